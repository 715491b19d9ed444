from voxgate.db.base import Resource


class Assistant(Resource):
    __tablename__ = "assistant"
