from voxgate.db.base import Resource


class Squad(Resource):
    __tablename__ = "squad"
