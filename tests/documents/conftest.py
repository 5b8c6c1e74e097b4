import pytest

from coding.models import Role
from tests import factories


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Every document test stores its files in a fresh folder of its own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def case(review):
    return factories.CaseFactory(review=review, number="12", title="Street lights")


@pytest.fixture
def reader(db):
    """Someone signed in with no role in the review: a reader."""
    return factories.UserFactory(username="rita", first_name="Rita")


@pytest.fixture
def other_lead(db):
    """A lead of another review."""
    other = factories.ReviewFactory(slug="other", title="Other review")
    user = factories.UserFactory(username="olga")
    factories.MembershipFactory(review=other, user=user, role=Role.LEAD)
    return user


def stored_files(media_root) -> list[str]:
    if not media_root.exists():
        return []
    return sorted(str(p.relative_to(media_root)) for p in media_root.rglob("*") if p.is_file())
