"""Each reader on the seeds and on our own variants of their layouts."""
from wsisgraph.load import load_document
from wsisgraph.readers import reader_for


def parse(path):
    doc = load_document(path)
    return reader_for(doc.kind)(doc)


def texts(parsed, kind):
    return [parsed.text[p.start:p.end] for p in parsed.parts if p.kind == kind]


def test_wordpress_seed_keeps_visible_text_only(seed_dir):
    parsed = parse(seed_dir / "000_4a3d6c9ea7ec870d.txt")
    page = parsed.pages[0]
    assert page.title == "Strengthening global digital cooperation"
    assert page.link == "https://www.itu.int/160/vision/strengthening-global-digital-cooperation/"
    assert page.wp_type == "page" and page.wp_id == 584
    assert "ITU’s annual Global Symposium for Regulators" in page.excerpt  # entity &#8217; decoded
    assert "Quantum information technologies" in parsed.text
    assert "ITU history-1865-1890s" in parsed.text  # image alt text is kept
    assert "https://" not in parsed.text and "wp-block" not in parsed.text and "<" not in parsed.text
    headings = [p.heading for p in parsed.parts if p.kind == "section" and p.heading]
    assert "Strengthening global digital cooperation" in headings


def test_wordpress_post_drops_scripts_and_keeps_captions(fixture_docs):
    parsed = parse(fixture_docs / "post.json")
    assert parsed.pages[0].title == "Cybersecurity & the WSIS Forum 2025"
    assert "SDG 4 UNESCO" not in parsed.text and "color:red" not in parsed.text
    assert "Giga connects schools with UNICEF." in texts(parsed, "section")[0]
    assert "Children in Rwanda using tablets" in parsed.text
    assert [p.heading for p in parsed.parts if p.kind == "section"] == ["Action Line C5", "Next steps"]
    assert parsed.pages[0].excerpt.startswith("Regulators met at GSR-25")


def test_wordpress_collection_gives_a_page_per_post(fixture_docs):
    parsed = parse(fixture_docs / "collection.json")
    assert [p.title for p in parsed.pages] == ["Women in ICT", "WSIS Prizes 2025"]
    assert {p.page for p in parsed.parts} == {"page1", "page2"}


def test_parts_do_not_overlap_and_point_into_the_text(seed_dir, fixture_docs):
    for path in [*seed_dir.iterdir(), *fixture_docs.iterdir()]:
        parsed = parse(path)
        previous_end = 0
        for part in parsed.parts:
            assert previous_end <= part.start < part.end <= len(parsed.text), (path.name, part)
            previous_end = part.end


def test_questionnaire_seed(seed_dir):
    parsed = parse(seed_dir / "002_0a617c45d6870c06.txt")
    r = parsed.respondent
    assert (r.name, r.type_as_written, r.country_as_written) == ("Ocgrow Group", "Private Sector", "Canada")
    questions = [p for p in parsed.parts if p.kind == "question" and p.number and p.number >= 4]
    assert [q.number for q in questions] == list(range(4, 15))
    q4 = parsed.text[questions[0].start:questions[0].end]
    assert q4 == "What are the main achievements of the implementation of the WSIS process in the past 20 years?"
    assert questions[0].heading == "Implementation of the WSIS Process"
    answers = [p for p in parsed.parts if p.kind == "answer"]
    assert len(answers) == 11 and answers[0].question == "q4"
    assert parsed.text[answers[0].start:].startswith("Over the past 20 years")
    # the link printed under question 10 belongs to the question, not to the answer
    q10 = next(p for p in parsed.parts if p.key == "q10")
    assert "itu.int/net4/wsis/forum" in parsed.text[q10.start:q10.end]
    assert parsed.identifier == "83" and parsed.date == "11/02/2025 16:12"


def test_questionnaire_numbered_headings_and_na(fixture_docs):
    parsed = parse(fixture_docs / "response-headings.md")
    assert parsed.respondent.name == "Red Ciudadana por los Derechos Digitales"
    assert parsed.respondent.country_as_written == "Republic of Korea"
    keys = [p.key for p in parsed.parts if p.kind in ("question", "answer") and not p.key.startswith("field")]
    assert keys == ["q8", "a8", "q10", "q11", "a11"]  # question 10 answered N/A has no answer


def test_questionnaire_answers_on_the_question_line(fixture_docs):
    parsed = parse(fixture_docs / "response-sameline.md")
    assert parsed.respondent.type_as_written == "Other: Student union"
    answer = next(p for p in parsed.parts if p.key == "a4")
    assert parsed.text[answer.start:answer.end].startswith("Mobile broadband reached our villages")
    question = next(p for p in parsed.parts if p.key == "q4")
    assert parsed.text[question.start:question.end].endswith("in the past 20 years?")


def test_questionnaire_bold_fields_unnumbered_question_and_inner_lists(fixture_docs):
    parsed = parse(fixture_docs / "response-bold.md")
    r = parsed.respondent
    assert (r.name, r.type_as_written, r.country_as_written) == ("Ministry of Digital Economy", "Government", "Côte d'Ivoire")
    questions = [p for p in parsed.parts if p.kind == "question" and not p.key.startswith("field")]
    assert [q.number for q in questions] == [7]  # known question text gives its number; '1.' and '2.' stay in the answer
    answer = next(p for p in parsed.parts if p.kind == "answer")
    assert "2. Then we need skills." in parsed.text[answer.start:answer.end]


def test_html_fallback_uses_a_real_parser(fixture_docs):
    parsed = parse(fixture_docs / "page.html")
    assert parsed.title == "ITU and the Tunis Agenda"
    assert "SDG 9" not in parsed.text and "The Tunis Agenda created the IGF." in parsed.text
