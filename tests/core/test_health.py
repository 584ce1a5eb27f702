"""/healthz tells a load balancer whether this app server can reach its database."""

from joans import create_app


def test_healthz_is_200_when_the_database_answers(client):
    """A healthy server answers plain "ok"."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok\n"


def test_healthz_is_503_when_the_database_is_down(tmp_path):
    """A server whose database is gone reports it instead of failing with a 500."""
    unreachable = create_app(
        {
            "ENV": "testing",
            "TESTING": True,
            "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1",
        }
    )
    response = unreachable.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_data(as_text=True) == "database unavailable\n"
