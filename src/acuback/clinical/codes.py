"""Every knowledge-base code the engine names, in one place.

The rules themselves live in the knowledge base; the engine only needs these codes to
find particular entries. A test checks each one is defined there.
"""

from typing import Final

# conditions
CHRONIC_LOW_BACK_PAIN: Final = "chronic-low-back-pain"
ACUTE_LOW_BACK_PAIN: Final = "acute-low-back-pain"
SCIATICA: Final = "sciatica"

# findings and regions
PREGNANT: Final = "pregnant"
DRIVING_AFTER_TREATMENT: Final = "driving-after-treatment"
UPPER_ABDOMEN: Final = "upper-abdomen"

# methods
MANUAL_ACUPUNCTURE: Final = "manual-acupuncture"
ELECTROACUPUNCTURE: Final = "electroacupuncture"
AURICULAR_ACUPUNCTURE: Final = "auricular-acupuncture"
MOXIBUSTION: Final = "moxibustion"
TUI_NA: Final = "tui-na"
CUPPING: Final = "cupping"
EAR_SEEDS: Final = "ear-seeds"
COMBINED_PHYSIOTHERAPY: Final = "combined-physiotherapy"

# regions
EAR: Final = "ear"

# pathologies the engine names itself
PAEDIATRIC_BACK_PAIN: Final = "paediatric-back-pain"

# course rules
REVIEW_RESULTS_DUE: Final = "review-results-due"
REVIEW_LASTING_RESULTS: Final = "review-lasting-results"
EXTENSION_GERAC_PARTIAL: Final = "extension-gerac-partial"
CAP_CMS_EXTENSION: Final = "cap-cms-extension"
MAINTENANCE: Final = "maintenance"

# instruments whose change is a change in pain (a partial response is judged on these)
NRS: Final = "nrs"
PEG: Final = "peg"

# sources cited by rules the engine applies itself
WHO_1999_SAFETY: Final = "who-1999-acupuncture-safety"
CHERKIN_2009: Final = "cherkin-2009"
BRINKHAUS_2006_ART: Final = "brinkhaus-2006-art"
SEED_000: Final = "000_8db77b63525bdbd8.txt"
