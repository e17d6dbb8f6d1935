import pytest

from tutor.lookup import Lookup, load_aliases
from tutor.roadmap import RoadmapError, breadcrumb, label, parse


def labels(nodes):
    return [label(n) for n in nodes]


def find(roadmap, text):
    return Lookup(roadmap, load_aliases()).find(text)


def test_phases_sections_and_durations_of_the_real_roadmap(roadmap):
    assert [p.number for p in roadmap.phases] == [1, 2, 3, 4, 5, 6]
    assert roadmap.phase(2).duration.text == "2-3 months"
    assert roadmap.phase(6).duration.low is None  # "Ongoing"
    assert [s.title for s in roadmap.phase(3).sections] == [
        "Generative Models Introduction", "Early Generative Architectures", "First Implementation Projects"]
    assert [s.title for s in roadmap.extras] == ["Learning Tips", "Recommended Learning Platforms"]
    assert len(roadmap.urls()) == 39


def test_next_after_gans_crosses_into_phase_4(roadmap):
    gans = find(roadmap, "GANs")
    assert gans.title == "Generative Adversarial Networks (GANs)"
    assert labels(roadmap.after(gans)) == ["First Implementation Projects", "Diffusion Models"]
    assert roadmap.after(gans)[1].phase.number == 4


def test_next_after_cnns_is_its_sibling_then_nlp(roadmap):
    assert labels(roadmap.after(find(roadmap, "CNNs"))) == [
        "Image Classification & Object Detection", "Natural Language Processing Basics"]


def test_before_diffusion_models_is_the_end_of_phase_3(roadmap):
    diffusion = find(roadmap, "diffusion models")
    assert diffusion.title == "Diffusion Models" and diffusion.phase.number == 4
    assert labels(roadmap.before(diffusion)) == ["First Implementation Projects", "Early Generative Architectures"]


def test_which_phase_has_lora_and_how_long_is_phase_2(roadmap):
    lora = find(roadmap, "LoRA")
    assert lora.title == "Parameter-Efficient Fine-Tuning"
    assert roadmap.phase_of(lora).number == 5
    assert find(roadmap, "how long is phase 2").duration.text == "2-3 months"
    assert find(roadmap, "the second phase").number == 2


def test_total_duration(roadmap):
    low, high, open_ended = roadmap.total_duration()
    assert (low, high) == (11, 16)
    assert [p.number for p in open_ended] == [6]


@pytest.mark.parametrize("words, title", [
    ("gan", "Generative Adversarial Networks (GANs)"),
    ("VAE", "Autoencoders"),
    ("transformers", "Transformer-Based Models"),
    ("CNNs", "Convolutional Neural Networks (CNNs)"),
    ("the math part", "Mathematics & Statistics Fundamentals"),
    ("RLHF", "RLHF"),
    ("MLOps", "Model Deployment & MLOps"),
])
def test_find_from_loose_words(roadmap, words, title):
    assert find(roadmap, words).title == title


def test_find_returns_none_for_unrelated_words(roadmap):
    assert find(roadmap, "chocolate cake recipe") is None
    assert find(roadmap, "") is None


def test_resources_for_a_topic_and_for_a_topic_without_its_own(roadmap):
    assert [r.title for r in roadmap.resources_for(find(roadmap, "GANs"))] == ["GAN Lab", "GAN Specialization"]
    assert [r.title for r in roadmap.resources_for(find(roadmap, "Python Programming"))] == ["Python for Everybody"]
    # "Text-to-Image" has no resource line of its own: the section's serve it.
    t2i = find(roadmap, "text-to-image")
    assert [r.title for r in roadmap.resources_for(t2i)] == ["CLIP Paper", "Hugging Face Transformers"]


def test_first_and_last_steps(roadmap):
    first = roadmap.sections[0]
    assert roadmap.before(first) == []
    assert roadmap.after(roadmap.phases[-1]) == []
    assert breadcrumb(find(roadmap, "GANs")).startswith("Phase 3: Generative AI Foundations › Early")


SMALL = """# Tiny Roadmap

## Phase 1: Basics (2 weeks)
### Arithmetic
- **Addition**: sums
  - Resource: [Adding](https://example.org/add)
- **Subtraction**: differences

## Phase 2: More (1-2 months)
### Algebra
- **Equations**: unknowns
### Projects
- Solve ten equations

## Tips
1. **Practice**: every day
"""


def test_a_roadmap_of_another_shape_parses():
    rm = parse(SMALL)
    assert [p.title for p in rm.phases] == ["Basics", "More"]
    assert rm.phase(1).duration.high == pytest.approx(2 * 12 / 52)
    assert labels(rm.after(find(rm, "addition"))) == ["Subtraction", "Algebra"]
    assert labels(rm.after(find(rm, "subtraction"))) == ["Algebra", "Projects"]
    assert rm.sections[-1].items[0].kind == "project"
    assert rm.extras[0].items[0].kind == "tip"
    assert [r.url for r in rm.resources] == ["https://example.org/add"]


@pytest.mark.parametrize("text, line, words", [
    ("# T\n### Orphan section\n", 2, "must come after"),
    ("# T\n## Phase one: Words\n### S\n", 2, "phase heading"),
    ("# T\n## Phase 1: A\n### S\n- **X**: y\n  - Resource: [broken(https://x)\n", 5, "broken link"),
    ("# T\n## Phase 1: A\n- **X**: y\n", 3, "before any section"),
    ("# T\n## Phase 1: A\n### S\n## Phase 3: C\n### S\n", 4, "count up by one"),
    ("# T\n## Phase 1: A\n### S\n- **X**: y\n  - Resource: no link here\n", 5, "without a [name](url)"),
])
def test_malformed_roadmaps_name_the_line(text, line, words):
    with pytest.raises(RoadmapError) as err:
        parse(text, "bad.md")
    assert f"bad.md:{line}:" in str(err.value)
    assert words in str(err.value)


def test_a_file_without_phases_is_rejected():
    with pytest.raises(RoadmapError, match="no '## Phase N"):
        parse("# Just a title\n\nSome text.\n")


@pytest.mark.parametrize("section, titles", [
    ("Multimodal Models", ["CLIP Paper", "Hugging Face Transformers"]),
    ("Advanced Fine-Tuning Techniques", ["Fine-tuning LLMs"]),
    ("Diffusion Models", ["Understanding Diffusion Models", "Hugging Face Diffusers Library"]),
    ("Machine Learning Basics", ["Machine Learning"]),
])
def test_a_closing_resource_line_belongs_to_its_section(roadmap, section, titles):
    sec = next(s for s in roadmap.sections if s.title == section)
    assert [r.title for r in sec.resources] == titles
    assert all(r.item is None for r in sec.resources), "filed under the section, not its last item"
    assert not sec.items[-1].resources


def test_resources_of_topics_that_have_their_own_stay_with_them(roadmap):
    gans = find(roadmap, "GANs")
    assert [r.item for r in gans.resources] == [gans, gans]
    python = find(roadmap, "Python Programming")
    assert python.resources[0].title == "Python for Everybody" and python.resources[0].item is python


def test_every_alias_links_its_node_and_everyday_phrases_link_none(roadmap):
    lookup = Lookup(roadmap, load_aliases())
    titles = {n.title: n for n in roadmap.nodes}
    missed = [(title, alias) for title, names in load_aliases().items() if title in titles
              for alias in names if titles[title] not in [lk.node for lk in lookup.link(alias)]]
    assert not missed
    # words an alias shares with everyday talk: "keep up with the math" is about the maths, not about the news
    for text in ["I can't keep up with the lectures", "how do I keep my notes organised?", "stay with me here"]:
        assert titles["Stay Updated"] not in [lk.node for lk in lookup.link(text)], text
