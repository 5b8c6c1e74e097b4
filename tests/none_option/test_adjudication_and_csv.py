"""The explicit none through detection, adjudication, consensus and the CSV files."""

import io

import pytest
from django.core.exceptions import ValidationError

from coding.adjudication.services import disagreement_resolve
from coding.codings.transfer import codings_export, codings_import, consensus_export
from coding.fileio import ImportFailed
from coding.models import ConsensusValue, Disagreement, Role
from tests import factories


def _both(case, coder_a, coder_b, a, b):
    """Both assigned coders submit; None leaves roles untouched."""
    for coder, chosen in ((coder_a, a), (coder_b, b)):
        factories.coding_with_values(case=case, coder=coder,
                                     values={"level": "local"} | (
                                         {} if chosen is None else {"roles": chosen}))
    from coding.adjudication.services import disagreements_detect
    disagreements_detect(case=case)


def _consensus_keys(case, roles):
    consensus = ConsensusValue.objects.filter(case=case, attribute=roles).first()
    return None if consensus is None else sorted(o.key for o in consensus.options.all())


def test_both_explicit_none_is_an_agreed_consensus(case, coder_a, coder_b, roles):
    _both(case, coder_a, coder_b, ["none_reported"], ["none_reported"])
    assert _consensus_keys(case, roles) == ["none_reported"]
    assert not Disagreement.objects.filter(case=case, attribute=roles).exists()


def test_both_untouched_gives_no_consensus_and_no_disagreement(case, coder_a, coder_b, roles):
    _both(case, coder_a, coder_b, None, [])  # an empty stored choice is "not coded" too
    assert _consensus_keys(case, roles) is None
    assert not Disagreement.objects.filter(case=case, attribute=roles).exists()


def test_explicit_none_against_untouched_is_a_disagreement(case, coder_a, coder_b, roles):
    _both(case, coder_a, coder_b, ["none_reported"], None)
    assert Disagreement.objects.filter(case=case, attribute=roles).exists()


def test_adjudicator_decides_for_the_explicit_none_but_not_for_none_and_an_option(
    case, coder_a, coder_b, roles, review
):
    _both(case, coder_a, coder_b, ["none_reported"], ["deliverer"])
    disagreement = Disagreement.objects.get(case=case, attribute=roles)
    ada = factories.UserFactory(username="ada")
    factories.MembershipFactory(review=review, user=ada, role=Role.ADJUDICATOR)
    for value in (["none_reported", "deliverer"], []):
        with pytest.raises(ValidationError) as error:
            disagreement_resolve(disagreement=disagreement, user=ada, choice="other",
                                 value=value, rationale="because", expected_version=0)
        assert "No role reported" in error.value.messages[0]
    disagreement_resolve(disagreement=disagreement, user=ada, choice="a",
                         rationale="the report names no role", expected_version=0)
    assert _consensus_keys(case, roles) == ["none_reported"]
    out = io.StringIO()
    consensus_export(review=review, out=out)
    header, row = out.getvalue().splitlines()[:2]
    assert row.split(",")[header.split(",").index("roles")] == "none_reported"


def test_codings_csv_keeps_the_explicit_none_and_refuses_it_with_options(
    case, coder_a, coder_b, roles, review, tmp_path
):
    _both(case, coder_a, coder_b, ["none_reported"], ["deliverer"])
    out = io.StringIO()
    codings_export(review=review, out=out)
    text = out.getvalue()
    assert "1,alice,roles,none_reported" in text
    fresh = factories.ReviewFactory(slug="copy")
    factories.codebook_for(fresh)
    roles_copy = fresh.current_codebook().attributes.get(key="roles")
    factories.OptionFactory(attribute=roles_copy, key="none_reported", label="No role reported",
                            order=3, is_none=True)
    factories.CaseFactory(review=fresh, number="1")
    path = tmp_path / "codings.csv"
    path.write_text(text)
    codings_import(path=path, review_slug="copy", enrol=True)
    again = io.StringIO()
    codings_export(review=fresh, out=again)
    assert again.getvalue() == text
    bad = tmp_path / "bad.csv"
    bad.write_text("case,coder,attribute,value\n1,carol,roles,deliverer;none_reported\n")
    with pytest.raises(ImportFailed) as error:
        codings_import(path=bad, review_slug="copy", enrol=True)
    assert "row 2: 'none_reported' (none of the options) of attribute 'roles' cannot be " \
        "combined with other options" in str(error.value)
