from voxgate.control.crud import Kind
from voxgate.control.router import crud_router
from voxgate.db.models import Assistant as AssistantRow
from voxgate.wire.assistant import Assistant, CreateAssistantDTO, UpdateAssistantDTO

kind = Kind(AssistantRow, "Assistant")

router = crud_router(
    kind,
    path="/assistant",
    tag="Assistants",
    controller="AssistantController",
    create=CreateAssistantDTO,
    update=UpdateAssistantDTO,
    response=Assistant,
    summaries={"create": "Create a new AI assistant with the specified configuration"},
)
