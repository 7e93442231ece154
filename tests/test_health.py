"""/healthz: the database and Redis, as a load balancer or an operator checks them."""
from jiandu import create_app
from tests.conftest import test_config


def test_healthz_reports_database_and_redis_ok(app):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["database"] == "ok"
    assert body["redis"] == "ok"


def test_healthz_is_503_when_redis_is_down(app):
    # Redis on a closed port; the rate limiter of the shared extension keeps the real Redis, so
    # building this app does not disturb the login throttling of the tests that follow.
    broken = create_app(test_config(REDIS_URL="redis://127.0.0.1:1/0",
                                    RATELIMIT_STORAGE_URI=app.config["RATELIMIT_STORAGE_URI"]))
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["redis"] == "down"
    assert body["database"] == "ok"
