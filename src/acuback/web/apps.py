from django.contrib.admin.apps import AdminConfig


class AcubackAdminConfig(AdminConfig):
    """The admin, served by ClinicAdminSite so that only clinic admins get in."""

    default_site = "acuback.web.admin_site.ClinicAdminSite"
