"""Loading lessons: good files load, every problem is one line naming its key.

Expected numbers come from the files written here or from the seed lesson texts in
``../shared/seeds`` (quoted in the tests), never from the loader's own output.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import pytest

from attention_math.errors import LessonError
from attention_math.examples import (
    DEFAULT_EXAMPLE,
    EXAMPLES,
    example_names,
    example_path,
    load_example,
)
from attention_math.lesson import Lesson
from attention_math.loading import lesson_from_dict, load_lesson
from support.paths import EXAMPLES as EXAMPLE_DIR

# Two tokens, d_model 3, d_qk 2, d_v 3: small enough to see every shape rule.
GOOD_TOML = """\
description = "a small lesson"
tokens = ["the", "cat"]
embeddings = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
w_q = [[1, 0], [0, 1], [1, 1]]
w_k = [[0.5, 0], [0, 0.5], [1, -1]]
w_v = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
heads = 1
causal = true
decimals = 3

[claims]
q = [[4, 5], [10, 11]]
"scores[0][1]" = 12.5
"""


def good() -> dict:
    """The same lesson as GOOD_TOML, as a dict, without claims."""
    return {
        "tokens": ["the", "cat"],
        "embeddings": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]],
        "w_q": [[1, 0], [0, 1], [1, 1]],
        "w_k": [[0.5, 0], [0, 0.5], [1, -1]],
        "w_v": [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
    }


DROP = object()  # a key to leave out


def error_for(data: dict) -> LessonError:
    with pytest.raises(LessonError) as info:
        lesson_from_dict(data, name="t")
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message
    return info.value


def file_error(path: Path) -> LessonError:
    with pytest.raises(LessonError) as info:
        load_lesson(path)
    assert "\n" not in str(info.value)
    assert info.value.key is None
    return info.value


# ----------------------------------------------------------------------------- good files


def test_toml_file_loads_with_its_numbers_name_and_source(tmp_path):
    path = tmp_path / "small.toml"
    path.write_text(GOOD_TOML, encoding="utf-8")
    lesson = load_lesson(path)
    assert isinstance(lesson, Lesson)
    assert lesson.name == "small" and lesson.source == str(path)
    assert lesson.description == "a small lesson"
    assert lesson.tokens == ("the", "cat")
    assert lesson.embeddings.tolist() == [[1, 2, 3], [4, 5, 6]]
    assert lesson.w_k.tolist() == [[0.5, 0], [0, 0.5], [1, -1]]
    assert (lesson.n_tokens, lesson.d_model) == (2, 3)
    assert lesson.causal is True and lesson.decimals == 3
    assert list(lesson.claims) == ["q", "scores[0][1]"]
    assert lesson.claims["q"].tolist() == [[4, 5], [10, 11]]
    assert lesson.claims["scores[0][1]"].shape == () and float(lesson.claims["scores[0][1]"]) == 12.5


def test_json_file_loads_like_the_toml_file(tmp_path):
    data = tomllib.loads(GOOD_TOML)
    path = tmp_path / "small.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    lesson = load_lesson(path)
    assert lesson.name == "small"
    assert lesson.tokens == ("the", "cat")
    assert lesson.w_q.tolist() == [[1, 0], [0, 1], [1, 1]]
    assert lesson.claims["q"].tolist() == [[4, 5], [10, 11]]


def test_a_path_given_as_a_string_loads(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(GOOD_TOML, encoding="utf-8")
    assert load_lesson(str(path)).name == "s"


def test_defaults_when_optional_keys_are_left_out():
    lesson = lesson_from_dict(good(), name="t")
    assert lesson.description == ""
    assert lesson.w_o is None and lesson.heads == 1
    assert lesson.scale is True and lesson.causal is False and lesson.residual is False
    assert lesson.positional == "none" and lesson.decimals == 2
    assert lesson.feed_forward is None and lesson.vocabulary is None
    assert dict(lesson.claims) == {} and lesson.source == ""


def test_arrays_are_float64_and_read_only_and_sequences_tuples():
    data = good() | {
        "w_o": [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
        "positional": [[0, 0, 0], [1, 1, 1]],
        "feed_forward": {"w_1": [[1, 2], [3, 4], [5, 6]], "w_2": [[1, 0, 0], [0, 1, 0]]},
        "vocabulary": {"words": ["dog", "mat"], "embeddings": [[1, 0, 0], [0, 1, 0]]},
        "claims": {"q[0]": [4, 5]},
    }
    lesson = lesson_from_dict(data, name="t")
    arrays = [
        lesson.embeddings,
        lesson.w_q,
        lesson.w_k,
        lesson.w_v,
        lesson.w_o,
        lesson.positional,
        lesson.feed_forward.w_1,
        lesson.feed_forward.b_1,
        lesson.feed_forward.w_2,
        lesson.feed_forward.b_2,
        lesson.vocabulary.embeddings,
        lesson.claims["q[0]"],
    ]
    for array in arrays:
        assert array.dtype == np.float64
        assert not array.flags.writeable
        with pytest.raises(ValueError):
            array[...] = 0
    assert isinstance(lesson.tokens, tuple) and isinstance(lesson.vocabulary.words, tuple)
    with pytest.raises(TypeError):
        lesson.claims["k"] = np.zeros(2)  # type: ignore[index]


def test_the_source_lists_are_not_shared_with_the_lesson():
    data = good()
    lesson = lesson_from_dict(data, name="t")
    data["embeddings"][0][0] = 99.0
    data["tokens"].append("sat")
    assert lesson.embeddings[0][0] == 1.0 and lesson.tokens == ("the", "cat")


def test_feed_forward_biases_default_to_zeros():
    data = good() | {
        "w_v": [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
        "feed_forward": {"w_1": [[1, 2], [3, 4], [5, 6]], "w_2": [[1, 0, 0], [0, 1, 0]]},
    }
    ff = lesson_from_dict(data, name="t").feed_forward
    assert ff.b_1.tolist() == [0, 0] and ff.b_2.tolist() == [0, 0, 0]


def test_duplicate_tokens_are_allowed():
    data = good() | {"tokens": ["the", "the"]}
    assert lesson_from_dict(data, name="t").tokens == ("the", "the")


def test_sinusoidal_positional_and_multi_head_are_accepted():
    data = good() | {"positional": "sinusoidal", "heads": 2, "w_v": [[1, 0], [0, 1], [1, 1]]}
    lesson = lesson_from_dict(data, name="t")
    assert lesson.positional == "sinusoidal" and lesson.heads == 2


def test_unquoted_dotted_claim_keys_mean_the_same_path():
    # TOML reads `heads.x = 1` as {"heads": {"x": 1}}; the claim is "heads.x".
    data = tomllib.loads('[claims]\nheads.x = 1\n"q[1]" = [1, 2]\n')
    lesson = lesson_from_dict(good() | data, name="t")
    assert list(lesson.claims) == ["heads.x", "q[1]"]


def test_a_claim_may_state_minus_infinity_for_a_masked_score():
    lesson = lesson_from_dict(good() | {"claims": {"masked[0][1]": float("-inf")}}, name="t")
    assert float(lesson.claims["masked[0][1]"]) == float("-inf")


# ----------------------------------------------------------------------------- bad values


@pytest.mark.parametrize(
    ("change", "key", "fragments"),
    [
        # missing required keys
        ({"tokens": DROP}, "tokens", ["missing"]),
        ({"embeddings": DROP}, "embeddings", ["missing"]),
        ({"w_q": DROP}, "w_q", ["missing"]),
        ({"w_k": DROP}, "w_k", ["missing"]),
        ({"w_v": DROP}, "w_v", ["missing"]),
        # tokens
        ({"tokens": []}, "tokens", ["empty"]),
        ({"tokens": "the cat"}, "tokens", ["expected a list of words", "string"]),
        ({"tokens": ["the", 3]}, "tokens[1]", ["expected a word", "number 3"]),
        ({"tokens": ["the", " "]}, "tokens[1]", ["blank"]),
        # wrong types inside matrices
        ({"embeddings": [[1, 2, 3], [4, True, 6]]}, "embeddings[1][1]", ["expected a number", "boolean"]),
        ({"w_q": [[1, 0], ["0", 1], [1, 1]]}, "w_q[1][0]", ["expected a number", 'string "0"']),
        ({"w_v": 5}, "w_v", ["expected a matrix", "number 5"]),
        ({"w_v": [1, 2, 3]}, "w_v", ["row 0 is the number 1", "expected a matrix"]),
        ({"w_k": {"a": 1}}, "w_k", ["expected a matrix", "table"]),
        # empty
        ({"embeddings": []}, "embeddings", ["empty"]),
        ({"w_q": [[], [], []]}, "w_q", ["row 0 is empty"]),
        # ragged rows
        ({"w_q": [[1, 0], [0, 1], [1, 1, 1]]}, "w_q", ["row 2 has 3 numbers, expected 2"]),
        ({"embeddings": [[1, 2, 3], [4, 5]]}, "embeddings", ["row 1 has 2 numbers, expected 3"]),
        # shapes, each saying where the expected size comes from
        ({"embeddings": [[1, 2, 3]]}, "embeddings", ["has 1 row,", "expected 2", "one per token"]),
        ({"w_q": [[1, 0], [0, 1]]}, "w_q", ["has 2 rows, expected 3", "d_model, the width of embeddings"]),
        (
            {"w_k": [[1, 0, 0], [0, 1, 0], [0, 0, 1]]},
            "w_k",
            ["has 3 columns, expected 2", "d_qk, the width of w_q"],
        ),
        ({"w_v": [[1, 0], [0, 1]]}, "w_v", ["has 2 rows, expected 3", "d_model"]),
        ({"w_o": [[1, 0, 0], [0, 1, 0]]}, "w_o", ["has 2 rows, expected 3", "d_v, the width of w_v"]),
        ({"w_o": [[1, 0], [0, 1], [1, 1]]}, "w_o", ["has 2 columns, expected 3", "d_model"]),
        ({"positional": [[0, 0, 0]]}, "positional", ["has 1 row,", "expected 2", "one per token"]),
        ({"positional": [[0, 0], [0, 0]]}, "positional", ["has 2 columns, expected 3", "d_model"]),
        # not finite
        (
            {"embeddings": [[1, 2, 3], [float("nan"), 5, 6]]},
            "embeddings[1][0]",
            ["is NaN; numbers must be finite"],
        ),
        ({"w_v": [[1, 0, 0], [0, float("inf"), 0], [0, 0, 1]]}, "w_v[1][1]", ["infinite", "finite"]),
        # heads
        ({"heads": 3}, "heads", ["3 heads do not divide 2", "d_qk, the width of w_q"]),
        ({"heads": 2}, "heads", ["2 heads do not divide 3", "d_v, the width of w_v"]),
        ({"heads": 0}, "heads", ["at least 1"]),
        ({"heads": -2}, "heads", ["at least 1"]),
        ({"heads": True}, "heads", ["expected a whole number", "boolean"]),
        ({"heads": 1.5}, "heads", ["expected a whole number", "1.5"]),
        ({"heads": "2"}, "heads", ["expected a whole number", "string"]),
        # flags
        ({"scale": 1}, "scale", ["expected true or false", "number 1"]),
        ({"causal": "yes"}, "causal", ["expected true or false", 'string "yes"']),
        ({"residual": None}, "residual", ["expected true or false"]),
        ({"w_v": [[1, 0], [0, 1], [1, 1]], "residual": True}, "residual", ["3 wide", "2 wide", "w_o"]),
        # positional
        ({"positional": "sine"}, "positional", ['"sine"', 'did you mean "sinusoidal"']),
        ({"positional": 1}, "positional", ["expected", "number 1"]),
        # decimals
        ({"decimals": 7}, "decimals", ["is 7", "0 to 6"]),
        ({"decimals": -1}, "decimals", ["is -1", "0 to 6"]),
        ({"decimals": 2.0}, "decimals", ["expected a whole number"]),
        # description
        ({"description": ["a"]}, "description", ["expected a string"]),
        # unknown keys, with a suggestion
        ({"embedings": [[1]]}, "embedings", ["unknown key", "did you mean 'embeddings'"]),
        ({"W_Q": [[1]]}, "W_Q", ["unknown key", "did you mean 'w_q'"]),
        ({"colour": "red"}, "colour", ["unknown key", "known keys are"]),
    ],
)
def test_each_problem_is_one_line_naming_its_key(change, key, fragments):
    data = {name: value for name, value in (good() | change).items() if value is not DROP}
    error = error_for(data)
    assert error.key == key
    assert str(error).startswith(f"{key}: ")
    for fragment in fragments:
        assert fragment in str(error), (fragment, str(error))


def test_the_example_messages_read_as_documented():
    data = good() | {"w_q": [[1, 0], [0, 1], [1, 1, 1]]}
    assert str(error_for(data)) == "w_q: row 2 has 3 numbers, expected 2 like row 0"
    data = good() | {"embeddings": [[1, 2, 3], [float("nan"), 5, 6]]}
    assert str(error_for(data)) == "embeddings[1][0]: is NaN; numbers must be finite"
    data = good() | {"w_q": [[1, 0], [0, 1]]}
    assert str(error_for(data)) == "w_q: has 2 rows, expected 3 (d_model, the width of embeddings)"


def test_a_lesson_that_is_not_a_table_is_refused():
    with pytest.raises(LessonError) as info:
        lesson_from_dict([1, 2], name="t")  # type: ignore[arg-type]
    assert info.value.key is None and "table" in str(info.value)


FF_OK = {"w_1": [[1, 2], [3, 4], [5, 6]], "w_2": [[1, 0, 0], [0, 1, 0]]}
VOCAB_OK = {"words": ["dog", "mat"], "embeddings": [[1, 0, 0], [0, 1, 0]]}


@pytest.mark.parametrize(
    ("change", "key", "fragments"),
    [
        ({"feed_forward": [1]}, "feed_forward", ["expected a table"]),
        ({"feed_forward": {"w_2": FF_OK["w_2"]}}, "feed_forward.w_1", ["missing"]),
        (
            {"feed_forward": FF_OK | {"w1": 1}},
            "feed_forward.w1",
            ["unknown key", "did you mean 'feed_forward.w_1'"],
        ),
        (
            {"feed_forward": FF_OK | {"w_1": [[1, 2], [3, 4]]}},
            "feed_forward.w_1",
            ["has 2 rows, expected 3", "d_model"],
        ),
        (
            {"feed_forward": FF_OK | {"w_2": [[1, 0, 0]]}},
            "feed_forward.w_2",
            ["has 1 row,", "expected 2", "d_ff, the width of feed_forward.w_1"],
        ),
        (
            {"feed_forward": FF_OK | {"w_2": [[1, 0], [0, 1]]}},
            "feed_forward.w_2",
            ["has 2 columns, expected 3", "d_model"],
        ),
        (
            {"feed_forward": FF_OK | {"b_1": [1, 2, 3]}},
            "feed_forward.b_1",
            ["has 3 numbers, expected 2", "d_ff"],
        ),
        (
            {"feed_forward": FF_OK | {"b_2": [1, 2]}},
            "feed_forward.b_2",
            ["has 2 numbers, expected 3", "d_model"],
        ),
        ({"feed_forward": FF_OK | {"b_2": [1, "x", 3]}}, "feed_forward.b_2[1]", ["expected a number"]),
        ({"feed_forward": FF_OK | {"b_1": []}}, "feed_forward.b_1", ["empty"]),
        ({"feed_forward": FF_OK, "w_v": [[1, 0], [0, 1], [1, 1]]}, "feed_forward", ["3 wide", "2 wide"]),
        ({"vocabulary": VOCAB_OK | {"words": []}}, "vocabulary.words", ["empty"]),
        ({"vocabulary": {"words": ["dog"]}}, "vocabulary.embeddings", ["missing"]),
        (
            {"vocabulary": VOCAB_OK | {"embeddings": [[1, 0, 0]]}},
            "vocabulary.embeddings",
            ["has 1 row,", "expected 2", "one per word"],
        ),
        (
            {"vocabulary": VOCAB_OK | {"embeddings": [[1, 0], [0, 1]]}},
            "vocabulary.embeddings",
            ["has 2 columns, expected 3"],
        ),
        ({"vocabulary": VOCAB_OK | {"words": ["dog", "dog"]}}, "vocabulary.words[1]", ["twice"]),
        ({"vocabulary": VOCAB_OK | {"word": ["x"]}}, "vocabulary.word", ["did you mean 'vocabulary.words'"]),
        ({"vocabulary": VOCAB_OK, "w_v": [[1, 0], [0, 1], [1, 1]]}, "vocabulary", ["3 wide"]),
    ],
)
def test_feed_forward_and_vocabulary_problems_name_the_dotted_key(change, key, fragments):
    error = error_for(good() | change)
    assert error.key == key and str(error).startswith(f"{key}: ")
    for fragment in fragments:
        assert fragment in str(error), (fragment, str(error))


@pytest.mark.parametrize(
    ("claims", "key", "fragment"),
    [
        ({"q[a]": 1}, "claims.q[a]", "not a trace path"),
        ({"2q": 1}, "claims.2q", "not a trace path"),
        ({"q[-1]": 1}, "claims.q[-1]", "not a trace path"),
        ({"q[0] ": 1}, "claims.q[0] ", "not a trace path"),
        ({"heads[1]..weights": 1}, "claims.heads[1]..weights", "not a trace path"),
        ({"q": "0.5"}, "claims.q", 'expected a number, got the string "0.5"'),
        ({"q": True}, "claims.q", "boolean"),
        ({"q": [[1, 2], [3]]}, "claims.q", "item 1 is a list of 1 number, expected a list of 2 numbers"),
        ({"q": [1, [2]]}, "claims.q", "rectangular"),
        ({"q": []}, "claims.q", "empty"),
        ({"q[0]": [1, float("nan")]}, "claims.q[0][1]", "NaN"),
        ({"q[0]": [1, None]}, "claims.q[0][1]", "expected a number"),
    ],
)
def test_claim_keys_and_values_are_validated(claims, key, fragment):
    error = error_for(good() | {"claims": claims})
    assert error.key == key
    assert fragment in str(error), str(error)


def test_claims_that_are_not_a_table_are_refused():
    error = error_for(good() | {"claims": [1, 2]})
    assert error.key == "claims" and "expected a table" in str(error)


@pytest.mark.parametrize(
    "path",
    ["q", "q[2]", "scaled[0]", "scores[0][2]", "heads[1].weights[0]", "residual[0]", "logit_sum"],
)
def test_well_formed_claim_paths_are_accepted_whether_or_not_they_exist(path):
    # Whether the path names something in the trace is check.py's business.
    lesson = lesson_from_dict(good() | {"claims": {path: 1.0}}, name="t")
    assert list(lesson.claims) == [path]


# ----------------------------------------------------------------------------- bad files


def test_missing_file(tmp_path):
    error = file_error(tmp_path / "nowhere.toml")
    assert "nowhere.toml" in str(error) and "no such lesson file" in str(error)


def test_directory(tmp_path):
    folder = tmp_path / "lesson.toml"
    folder.mkdir()
    assert "is a directory" in str(file_error(folder))


def test_unreadable_file(tmp_path, monkeypatch):
    path = tmp_path / "secret.toml"
    path.write_text(GOOD_TOML, encoding="utf-8")

    def refuse(self):  # chmod does not stop root, so refuse the read itself
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refuse)
    assert "permission denied" in str(file_error(path))


@pytest.mark.parametrize("name", ["lesson.yaml", "lesson.csv", "lesson"])
def test_unsupported_extension(tmp_path, name):
    path = tmp_path / name
    path.write_text(GOOD_TOML, encoding="utf-8")
    message = str(file_error(path))
    assert "unsupported lesson file type" in message and ".toml or .json" in message


def test_invalid_toml_gives_line_and_column(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('tokens = ["a"]\nw_q = = 3\n', encoding="utf-8")
    message = str(file_error(path))
    assert "invalid TOML" in message and "line 2, column 7" in message


def test_invalid_json_gives_line_and_column(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{\n  "tokens": ["a"],\n  "embeddings": [[1, 2]\n}\n', encoding="utf-8")
    message = str(file_error(path))
    assert "invalid JSON at line 4, column 1" in message


def test_json_must_hold_an_object(tmp_path):
    path = tmp_path / "list.json"
    path.write_text("[1, 2]", encoding="utf-8")
    assert "expected a JSON object" in str(file_error(path))


def test_json_duplicate_keys_are_refused(tmp_path):
    path = tmp_path / "dup.json"
    path.write_text('{"tokens": ["a"], "tokens": ["b"]}', encoding="utf-8")
    assert 'key "tokens" appears twice' in str(file_error(path))


def test_a_file_that_is_not_utf8_text(tmp_path):
    path = tmp_path / "latin.toml"
    path.write_bytes('tokens = ["caf\xe9"]'.encode("latin-1"))
    assert "not UTF-8" in str(file_error(path))


def test_value_problems_in_a_file_name_the_key_not_the_file(tmp_path):
    path = tmp_path / "ragged.toml"
    path.write_text(GOOD_TOML.replace("[0, 1], [1, 1]]", "[0, 1], [1, 1, 1]]", 1), encoding="utf-8")
    with pytest.raises(LessonError) as info:
        load_lesson(path)
    assert str(info.value) == "w_q: row 2 has 3 numbers, expected 2 like row 0"


# ----------------------------------------------------------------------------- built-in examples


def test_every_example_file_is_listed_and_the_default_comes_first():
    assert sorted(example_names()) == sorted(p.stem for p in EXAMPLE_DIR.glob("*.toml"))
    assert example_names()[0] == DEFAULT_EXAMPLE == "default"
    assert set(example_names()) == {
        "default",
        "i-love-coding",
        "write-a-poem",
        "token-residual",
        "transformer-breakdown",
    }


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_example_loads_and_has_a_one_line_description(name):
    lesson = load_example(name)
    assert lesson.name == name
    assert example_path(name).is_file() and Path(lesson.source) == example_path(name)
    assert EXAMPLES[name] == lesson.description
    assert EXAMPLES[name] and "\n" not in EXAMPLES[name]


def test_unknown_example_lists_the_valid_names():
    with pytest.raises(LessonError) as info:
        load_example("nope")
    message = str(info.value)
    assert "nope" in message and "\n" not in message
    for name in EXAMPLES:
        assert name in message


def test_seed_000_example_has_the_texts_numbers():
    # "I → [0.1, 0.2]  love → [0.3, 0.4]  coding → [0.5, 0.6]"; "W_q = [[0.1, 0.2], [0.3, 0.4]]" ...
    lesson = load_example("i-love-coding")
    assert lesson.tokens == ("I", "love", "coding")
    assert lesson.embeddings.tolist() == [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]
    assert lesson.w_q.tolist() == [[0.1, 0.2], [0.3, 0.4]]
    assert lesson.w_k.tolist() == [[0.5, 0.6], [0.7, 0.8]]
    assert lesson.w_v.tolist() == [[0.9, 1.0], [1.1, 1.2]]
    assert lesson.scale is False and lesson.decimals == 4
    assert "dot product" in lesson.description
    # The wrong stated values are kept as stated.
    assert lesson.claims["q[2]"].tolist() == [0.21, 0.28]
    assert lesson.claims["scores[0]"].tolist() == [0.0353, 0.0801, 0.1147]


def test_seed_001_example_has_the_texts_encodings_and_says_the_weights_are_ours():
    # "Write: 1.16, 0.23 / A: 0.57, 1.36 / Poem: 4.41, -2.16"
    lesson = load_example("write-a-poem")
    assert lesson.tokens == ("Write", "a", "poem")
    assert lesson.embeddings.tolist() == [[1.16, 0.23], [0.57, 1.36], [4.41, -2.16]]
    assert lesson.w_q.shape == lesson.w_k.shape == lesson.w_v.shape == (2, 2)
    assert lesson.scale is True and lesson.decimals == 2
    assert "ours" in lesson.description
    assert dict(lesson.claims) == {}


def test_seed_002_example_has_the_texts_matrices():
    lesson = load_example("token-residual")
    assert lesson.embeddings.tolist() == [[6, 1, 4, 4], [8, 4, 6, 3]]
    assert lesson.w_q.tolist() == [[1, 4, 3, 1], [1, 1, 3, 2], [3, 4, 4, 3], [1, 2, 2, 2]]
    assert lesson.w_k.tolist() == [[2, 1, 2, 1], [4, 1, 4, 2], [3, 4, 4, 1], [3, 4, 1, 2]]
    assert lesson.w_v.tolist() == [[4, 2, 4, 4], [3, 4, 1, 2], [2, 2, 4, 1], [4, 3, 1, 4]]
    assert lesson.scale and lesson.residual and lesson.decimals == 1


def test_seed_004_example_is_four_words_by_three_with_sinusoidal_positions():
    lesson = load_example("transformer-breakdown")
    assert lesson.embeddings.shape == (4, 3)  # "a sentence of 4 words becomes a 4×3 matrix"
    assert lesson.positional == "sinusoidal" and lesson.heads == 1 and lesson.w_o is not None
    assert lesson.scale and lesson.decimals == 2
    assert set(lesson.tokens) <= {"I'm", "playing", "with", "a", "cat"}
    assert "ours" in lesson.description


def test_default_example_is_made_for_multi_head_attention():
    lesson = load_example("default")
    assert lesson.n_tokens == 4 and lesson.d_model == 4 and lesson.heads == 2
    assert lesson.w_o is not None and lesson.feed_forward is not None
    assert lesson.feed_forward.w_1.shape[1] in (4, 8)
    assert lesson.scale and lesson.decimals == 2
    assert "multihead" in lesson.description
    # one-decimal weights: every number is a whole number of tenths
    for array in (
        lesson.embeddings,
        lesson.w_q,
        lesson.w_k,
        lesson.w_v,
        lesson.w_o,
        lesson.feed_forward.w_1,
        lesson.feed_forward.w_2,
    ):
        assert np.allclose(array * 10, np.round(array * 10))


# -- issue 12: input that used to crash or hang ---------------------------------------


def _one_token(word):
    return {"tokens": [word], "embeddings": [[1.0]], "w_q": [[1.0]], "w_k": [[1.0]], "w_v": [[1.0]]}


@pytest.mark.parametrize(
    ("word", "message"),
    [
        ("\u200b", "tokens[0]: has no visible character"),
        ("\u200f", "tokens[0]: contains an invisible direction control"),
        ("\u00ad", "tokens[0]: has no visible character"),
        ("a\u202eb", "tokens[0]: contains an invisible direction control ('\\u202e')"),
        ("\ud800", "tokens[0]: contains a lone surrogate ('\\ud800')"),
    ],
)
def test_invisible_tokens_and_lone_surrogates_are_refused_in_one_line(word, message):
    with pytest.raises(LessonError) as caught:
        lesson_from_dict(_one_token(word), "made")
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("word", ["שלום", "مرحبا", "नमस्ते", "猫", "🍕", "café"])
def test_words_in_any_script_are_accepted(word):
    assert lesson_from_dict(_one_token(word), "made").tokens == (word,)


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_an_integer_of_five_thousand_digits_is_one_line_not_a_traceback(tmp_path, suffix):
    path = tmp_path / f"big{suffix}"
    digits = "9" * 5000
    if suffix == ".toml":
        path.write_text(f'tokens = ["a"]\nembeddings = [[{digits}]]\n', encoding="utf-8")
    else:
        path.write_text(f'{{"tokens": ["a"], "embeddings": [[{digits}]]}}', encoding="utf-8")
    with pytest.raises(LessonError, match="a number has more than 4300 digits"):
        load_lesson(path)


def test_a_dotted_key_of_fifty_thousand_parts_is_refused_before_parsing(tmp_path):
    # tomllib takes time growing with the square of a dotted key's length: 100 KB took about a minute.
    path = tmp_path / "deep.toml"
    path.write_text(".".join(["a"] * 50_000) + " = 1\n", encoding="utf-8")
    with pytest.raises(LessonError, match="a dotted key at line 1 has more than 32 parts"):
        load_lesson(path)


def test_ordinary_dotted_keys_and_decimals_pass_the_deep_key_guard(tmp_path):
    path = tmp_path / "fine.toml"
    path.write_text(
        'tokens = ["a", "b"]\nembeddings = [[0.5, 1.25], [2.5, 3.0]]\n'
        "w_q = [[1.0, 0.0], [0.0, 1.0]]\nw_k = [[1.0, 0.0], [0.0, 1.0]]\nw_v = [[1.0, 0.0], [0.0, 1.0]]\n"
        'claims."q[0]" = [0.5, 1.25]\n',
        encoding="utf-8",
    )
    assert load_lesson(path).claims
