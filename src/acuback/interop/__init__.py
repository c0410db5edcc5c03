"""Mapping acuback's records to outside standards (FHIR R4B); no Django import."""
