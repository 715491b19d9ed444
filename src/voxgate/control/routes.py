"""Every REST router, in the order the document lists them."""

from fastapi import APIRouter

from voxgate.control.assistant.router import router as assistant
from voxgate.control.call.artifacts import router as call_artifacts
from voxgate.control.call.monitor import router as call_monitor
from voxgate.control.call.router import router as call
from voxgate.control.call.socket import router as call_socket
from voxgate.control.chat.responses import router as chat_responses
from voxgate.control.chat.router import router as chat
from voxgate.control.credential.router import router as credential
from voxgate.control.file.router import router as file
from voxgate.control.phone_number.router import router as phone_number
from voxgate.control.session.router import router as session
from voxgate.control.squad.router import router as squad
from voxgate.control.tool.router import router as tool

ROUTERS: tuple[APIRouter, ...] = (
    assistant, squad, call, call_artifacts, call_socket, call_monitor, chat, chat_responses,
    session, phone_number, tool, file, credential,
)  # fmt: skip
