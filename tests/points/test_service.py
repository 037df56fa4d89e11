from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from tests import factories
from tongban.db import transaction
from tongban.packs.models import LoadedPack
from tongban.points import service


def test_without_a_pack_home_distances_start_at_the_centre_of_the_points(db: sessionmaker[Session]) -> None:
    factories.catalogue(db)
    with transaction(db) as session:
        session.execute(update(LoadedPack).values(home_name=None, home_lat=None, home_lon=None))
    with db() as session:
        origin = service.home(session, None)
    assert 31.49 < origin.lat < 31.81 and origin.name == "网点分布中心"


def test_the_home_of_the_services_pack_is_where_distances_start(db: sessionmaker[Session]) -> None:
    factories.catalogue(db)
    with db() as session:
        origin = service.home(session, "320200-SB-0001")
    assert (origin.name, origin.lat) == ("无锡市民中心", 31.4912)


def test_areas_are_the_jurisdictions_with_points_at_their_centre(db: sessionmaker[Session]) -> None:
    factories.catalogue(db)
    with db() as session:
        (area,) = service.areas(session)
    assert area.code == "320211" and 31.49 < area.lat < 31.81
