import pytest

from campaigns.audiences.hashing import COLUMNS
from campaigns.audiences.meta import AudienceAPIError, MetaAudienceClient
from campaigns.audiences.tests.fake_meta import FakeMeta

TOKEN = "fake-meta-token"  # noqa: S105 - the fake API's token, not a secret
ROW = ["a" * 64, "b" * 64, "", "", "c" * 64, ""]


@pytest.fixture
def meta():
    fake = FakeMeta()
    yield fake
    fake.close()


@pytest.fixture
def slept():
    return []


@pytest.fixture
def client(meta, slept):
    return MetaAudienceClient(
        access_token=TOKEN, base_url=meta.url, api_version="v21.0", sleep=slept.append, backoff=0.5
    )


def _session(**overrides):
    return {"session_id": 71, "batch_seq": 1, "last_batch": True, "estimated_total": 2, **overrides}


def test_add_posts_schema_hashed_rows_session_and_token(meta, client):
    answer = client.add_users("23851234567890123", [ROW, ROW], **_session())

    [call] = meta.calls
    assert call["method"] == "POST"
    assert call["path"] == "/v21.0/23851234567890123/users"
    assert call["payload"] == {"schema": list(COLUMNS), "data": [ROW, ROW]}
    assert call["payload"]["schema"] == ["EMAIL", "PHONE", "FN", "LN", "COUNTRY", "ZIP"]
    assert call["session"] == {
        "session_id": 71,
        "batch_seq": 1,
        "last_batch_flag": True,
        "estimated_num_total": 2,
    }
    assert call["form"]["access_token"] == TOKEN
    assert answer["num_received"] == 2


def test_remove_is_a_delete_with_the_same_shape(meta, client):
    client.remove_users("42", [ROW], **_session(batch_seq=3, last_batch=False))

    [call] = meta.calls
    assert (call["method"], call["path"]) == ("DELETE", "/v21.0/42/users")
    assert call["payload"]["data"] == [ROW]
    assert call["session"]["batch_seq"] == 3
    assert call["session"]["last_batch_flag"] is False


@pytest.mark.parametrize(
    ("status", "body", "headers"),
    [
        (500, {"error": {"message": "Internal", "code": 1}}, {}),
        (503, {}, {}),
        (429, {"error": {"message": "Too many"}}, {}),
        (400, {"error": {"message": "User request limit reached", "code": 17}}, {}),
        (400, {"error": {"message": "Try later", "code": 2, "is_transient": True}}, {}),
    ],
)
def test_transient_refusals_are_retried_with_backoff(meta, client, slept, status, body, headers):
    meta.script = [(status, body, headers), (status, body, headers)]

    answer = client.add_users("42", [ROW], **_session())

    assert len(meta.calls) == 3
    assert answer["num_received"] == 1
    assert slept == [0.5, 1.0]


def test_retry_after_is_honoured_and_capped(meta, slept):
    client = MetaAudienceClient(access_token=TOKEN, base_url=meta.url, sleep=slept.append, backoff_cap=30)
    meta.script = [(429, {}, {"Retry-After": "7"}), (429, {}, {"Retry-After": "600"})]

    client.add_users("42", [ROW], **_session())

    assert slept == [7.0, 30]


def test_gives_up_after_max_attempts_with_a_transient_error(meta, slept):
    client = MetaAudienceClient(access_token=TOKEN, base_url=meta.url, sleep=slept.append, max_attempts=3)
    meta.script = [(502, {}, {})] * 5

    with pytest.raises(AudienceAPIError) as raised:
        client.add_users("42", [ROW], **_session())

    assert raised.value.is_transient
    assert raised.value.status == 502
    assert len(meta.calls) == 3


def test_a_permanent_refusal_is_not_retried(meta, client, slept):
    meta.script = [(400, {"error": {"message": "Invalid audience", "code": 100}}, {})]

    with pytest.raises(AudienceAPIError) as raised:
        client.add_users("42", [ROW], **_session())

    assert not raised.value.is_transient
    assert "code 100" in str(raised.value)
    assert "Invalid audience" in str(raised.value)
    assert len(meta.calls) == 1
    assert slept == []


def test_a_lost_connection_is_transient(slept):
    # Nothing listens on this port of the range (the fake is not started).
    client = MetaAudienceClient(
        access_token=TOKEN, base_url="http://127.0.0.1:7339", sleep=slept.append, max_attempts=2, timeout=2
    )
    with pytest.raises(AudienceAPIError) as raised:
        client.add_users("42", [ROW], **_session())
    assert raised.value.is_transient
    assert len(slept) == 1


def test_refuses_more_than_ten_thousand_rows_and_a_bad_audience_id(meta, client):
    with pytest.raises(ValueError):
        client.add_users("42", [ROW] * 10_001, **_session())
    with pytest.raises(AudienceAPIError):
        client.add_users("../me", [ROW], **_session())
    assert meta.calls == []


def test_no_token_is_a_clear_error():
    with pytest.raises(ValueError, match="META_ADS_ACCESS_TOKEN"):
        MetaAudienceClient(access_token="")
