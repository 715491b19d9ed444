"""Every table, re-exported so Alembic and the repositories see one metadata."""

from voxgate.db.base import Base, Resource
from voxgate.db.models.api_key import ApiKey
from voxgate.db.models.assistant import Assistant
from voxgate.db.models.call import Call
from voxgate.db.models.chat import Chat
from voxgate.db.models.credential import Credential
from voxgate.db.models.file import File
from voxgate.db.models.org import Org
from voxgate.db.models.phone_number import PhoneNumber
from voxgate.db.models.server_message import ServerMessage
from voxgate.db.models.session import Session
from voxgate.db.models.squad import Squad
from voxgate.db.models.tool import Tool

__all__ = [
    "ApiKey",
    "Assistant",
    "Base",
    "Call",
    "Chat",
    "Credential",
    "File",
    "Org",
    "PhoneNumber",
    "Resource",
    "ServerMessage",
    "Session",
    "Squad",
    "Tool",
]
