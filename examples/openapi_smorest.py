"""OpenAPI with flask-smorest: the served document says which views need which token."""

# flask-smorest ships no type information: its decorators are untyped.
# mypy: disable-error-code="untyped-decorator"

import os
from typing import Any

import marshmallow as ma
from flask import Flask
from flask.views import MethodView
from flask_smorest import Api, Blueprint

from flask_jwt_kit import JWTManager, get_jwt_identity, jwt_required
from flask_jwt_kit.openapi import smorest_spec_kwargs

app = Flask(__name__)
app.config.update(
    JWT_SECRET_KEY=os.environ.get(
        "JWT_SECRET_KEY", "development only: replace me with 32+ random bytes"
    ),
    JWT_TOKEN_LOCATION=["headers", "cookies"],
    API_TITLE="Orders",
    API_VERSION="1.0",
    OPENAPI_VERSION="3.1.0",
    # The document is served at /openapi.json.
    OPENAPI_URL_PREFIX="/",
)
jwt = JWTManager(app)
# The plugin adds the security schemes, and "security" to protected operations.
api = Api(app, spec_kwargs=smorest_spec_kwargs(app))


class OrderSchema(ma.Schema):
    item = ma.fields.String(required=True)


orders = Blueprint("orders", __name__, url_prefix="/orders", description="Orders")


@orders.route("/")
class Orders(MethodView):
    @jwt_required(scopes="orders:read")
    @orders.response(200, OrderSchema(many=True))
    def get(self) -> Any:
        return [{"item": f"book for {get_jwt_identity()}"}]

    @jwt_required(scopes=["orders:read", "orders:write"])
    @orders.arguments(OrderSchema)
    @orders.response(201, OrderSchema)
    def post(self, order: dict[str, Any]) -> Any:
        return order


@orders.route("/catalogue")
@orders.response(200)
def catalogue() -> Any:
    # Not protected: no security requirement in the document.
    return {"items": ["book", "pen"]}


api.register_blueprint(orders)
