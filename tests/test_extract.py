import pytest

from wsisgraph.extract import country_code, extract, slug, stakeholder_type
from wsisgraph.load import load_document
from wsisgraph.schemes import load_vocabulary


@pytest.mark.parametrize("written,expected", [
    ("Private Sector", ("private-sector", None)),
    ("Government", ("government", None)),
    ("Civil Society", ("civil-society", None)),
    ("Academia", ("academia", None)),
    ("UN entity", ("international-organization", None)),
    ("Intergovernmental organization", ("international-organization", None)),
    ("Non-governmental organization", ("civil-society", None)),
    ("Technical and academic community", ("technical-community", None)),
    ("University", ("academia", None)),
    ("Other: Youth network", ("other", "Youth network")),
    ("Other (Parliament)", ("other", "Parliament")),
    ("Other", ("other", None)),
    ("Philanthropy", ("other", "Philanthropy")),
])
def test_stakeholder_types(written, expected):
    assert stakeholder_type(written, load_vocabulary()) == expected


@pytest.mark.parametrize("written,code", [
    ("Canada", "CA"), ("Republic of Korea", "KR"), ("Türkiye", "TR"), ("Turkey", "TR"), ("Côte d'Ivoire", "CI"),
    ("Cote d’Ivoire", "CI"), ("United States of America", "US"), ("USA", "US"), ("Viet Nam", "VN"),
    ("Bolivia", "BO"), ("United Kingdom", "GB"), ("CH", "CH"), ("DEU", "DE"), ("Allemagne", "DE"),
])
def test_country_variants(written, code):
    assert country_code(written) == code


def test_unknown_country_is_none():
    assert country_code("Atlantis") is None


def test_slug_is_stable_and_ascii():
    assert slug("Autorité de Régulation du Numérique et des Postes (ARNP)") == \
        "autorite-de-regulation-du-numerique-et-des-postes-arnp"
    assert slug("  Ocgrow   Group ") == "ocgrow-group"


def test_seed_response_mentions_and_question_text(seed_dir):
    ex = extract(load_document(seed_dir / "002_0a617c45d6870c06.txt"))
    assert ex.respondent.stakeholder_type == "private-sector" and ex.respondent.country == "CA"
    # 'Pact for the Future' appears in question 13's own text and again in its answer
    pact = [m for m in ex.mentions if m.concept.notation == "pact-for-the-future"]
    assert {m.in_question for m in pact} == {True, False}
    # every mention's quote is the text at its offsets, inside the part it is placed in
    for m in ex.mentions:
        assert ex.parsed.text[m.start:m.end] == m.quote
        assert m.part is not None and m.part.start <= m.start and m.end <= m.part.end


def test_respondent_that_is_a_reference_organization(tmp_path):
    doc = tmp_path / "r.md"
    doc.write_text("## Respondent\n\n1. Organization name\n\nInternet Society\n\n2. Organization type\n\nCivil society\n\n"
                   "3. Organization country\n\nSwitzerland\n\n## Questions\n\n4. What are the main achievements? Many.\n")
    ex = extract(load_document(doc))
    assert ex.respondent.reference_org.notation == "isoc"
    assert ex.respondent.org_iri.endswith("/organization/isoc")


def test_wordpress_title_mentions_are_not_question_text(fixture_docs):
    ex = extract(load_document(fixture_docs / "post.json"))
    assert ex.mentions and not any(m.in_question for m in ex.mentions)


def test_a_wordpress_link_that_is_not_an_iri_is_kept_as_text(tmp_path):
    """`link` is whatever the site wrote: one that is no valid IRI is stored as a plain literal, not an error."""
    import json

    import pyoxigraph as ox

    from wsisgraph.graph import to_quads
    from wsisgraph.namespaces import base_iri

    path = tmp_path / "posts.json"
    path.write_text(json.dumps([{"id": 1, "type": "post", "link": "https://www.itu.int/a b/",
                                 "title": {"rendered": "Women in ICT"},
                                 "content": {"rendered": "<p>The WSIS Forum met.</p>"}}]), encoding="utf-8")
    quads = to_quads(extract(load_document(path, path.name)), base_iri(None))
    urls = [q.object for q in quads if q.predicate.value == "http://schema.org/url"]
    assert urls == [ox.Literal("https://www.itu.int/a b/")]
