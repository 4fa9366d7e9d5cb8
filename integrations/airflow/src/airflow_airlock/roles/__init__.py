"""Role table: Airflow's default roles (committed, generated) plus a site's custom roles."""

from .table import PER_DAG_PREFIXES, Grants, Permission, RoleTable

__all__ = ["PER_DAG_PREFIXES", "Grants", "Permission", "RoleTable"]
