from voxgate.control.crud import Kind
from voxgate.control.router import crud_router
from voxgate.control.squad.service import check_squad
from voxgate.db.models import Squad as SquadRow
from voxgate.wire.squad import CreateSquadDTO, Squad, UpdateSquadDTO

kind = Kind(SquadRow, "Squad")

router = crud_router(
    kind,
    path="/squad",
    tag="Squads",
    controller="SquadController",
    create=CreateSquadDTO,
    update=UpdateSquadDTO,
    response=Squad,
    check=check_squad,
)
