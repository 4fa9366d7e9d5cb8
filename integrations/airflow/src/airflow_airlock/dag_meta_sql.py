"""DAG tags and owners from Airflow's metadata database, for tags/owners rules (Airflow 2.7+ and 3.x).

Imports Airflow (inside the function): glue, not exercised by the package's tests. Owners are read as Airflow's
REST API reports them (``DagModel.owners.split(",")``), which is what the gateway's metadata reader sees, so both
sides select the same DAGs.
"""

from __future__ import annotations

from typing import Iterable

from .dag_rules import DagMeta, owners_from_column


def load_dag_meta(dag_ids: Iterable[str]) -> dict[str, DagMeta]:
    """Metadata of the DAGs Airflow knows among ``dag_ids``; a DAG it does not know is left out (fails closed)."""
    from airflow.models.dag import DagModel, DagTag
    from airflow.utils.session import create_session
    from sqlalchemy import select

    ids = list(dict.fromkeys(dag_ids))
    if not ids:
        return {}
    with create_session() as session:
        owners = {d: o for d, o in session.execute(select(DagModel.dag_id, DagModel.owners).where(DagModel.dag_id.in_(ids)))}
        tags: dict[str, list[str]] = {}
        for d, name in session.execute(select(DagTag.dag_id, DagTag.name).where(DagTag.dag_id.in_(ids))):
            tags.setdefault(d, []).append(name)
    return {d: DagMeta(tuple(tags.get(d, ())), owners_from_column(o)) for d, o in owners.items()}
