"""An application and the tests its developers write with flask_jwt_kit.testing."""
