"""HFChatCounter with tokenizer files built here by `tokenizers` (no download): exact
counts through a chat template, estimates without one, and the local HF cache."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from tokenizers import Tokenizer, models, pre_tokenizers, trainers

from ftprep.tokenizers_hf import (
    PER_MESSAGE_OVERHEAD,
    ChatTemplateError,
    HFChatCounter,
    TokenizerNotFound,
    find_tokenizer,
    hub_cache_dir,
)

SPECIAL = ["[UNK]", "<s>", "</s>", "<|user|>", "<|assistant|>", "<|system|>"]
CORPUS = ["the sky is blue", "what color is the sky", "it is blue today",
          "my invoice is wrong", "I was charged twice", "please refund me"]
TEMPLATE = ("{{ bos_token }}{% for m in messages %}<|{{ m.role }}|> {{ m.content }}"
            "{{ eos_token }}{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}")
MESSAGES = [{"role": "system", "content": "be blue"},
            {"role": "user", "content": "what color is the sky"},
            {"role": "assistant", "content": "it is blue", "weight": 1}]


def _tokenizer(folder: Path, config: dict[str, object] | None = None, kind: str = "wordlevel"
               ) -> Tokenizer:
    folder.mkdir(parents=True, exist_ok=True)
    if kind == "bpe":
        tok = Tokenizer(models.BPE(unk_token="[UNK]"))
        trainer: trainers.Trainer = trainers.BpeTrainer(vocab_size=120, special_tokens=SPECIAL)
    else:
        tok = Tokenizer(models.WordLevel(unk_token="[UNK]"))
        trainer = trainers.WordLevelTrainer(special_tokens=SPECIAL)
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.train_from_iterator(CORPUS, trainer)
    tok.save(str(folder / "tokenizer.json"))
    if config is not None:
        (folder / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")
    return tok


@pytest.mark.parametrize("kind", ["wordlevel", "bpe"])
def test_exact_count_renders_the_chat_template(tmp_path: Path, kind: str) -> None:
    tok = _tokenizer(tmp_path, {"bos_token": "<s>", "eos_token": {"content": "</s>"},
                                "chat_template": TEMPLATE}, kind)
    counter = HFChatCounter(tmp_path)
    assert counter.exact and counter.method.startswith("exact")
    rendered = counter.render(MESSAGES)
    assert rendered == ("<s><|system|> be blue</s><|user|> what color is the sky</s>"
                        "<|assistant|> it is blue</s>")
    expected = len(tok.encode(rendered, add_special_tokens=False).ids)
    assert counter.count_example(MESSAGES) == expected
    assert counter.count_record({"messages": MESSAGES}) == expected
    if kind == "wordlevel":
        assert expected == 17  # 3 BOS/EOS-framed turns: 1 + 3x(role + words + eos)


def test_text_parts_are_joined_for_the_template(tmp_path: Path) -> None:
    _tokenizer(tmp_path, {"bos_token": "<s>", "eos_token": "</s>", "chat_template": TEMPLATE})
    counter = HFChatCounter(tmp_path / "tokenizer.json")
    parts = [{"role": "user", "content": [{"type": "text", "text": "the sky"},
                                          {"type": "text", "text": " is blue"}]}]
    assert counter.count_example(parts) == counter.count_example(
        [{"role": "user", "content": "the sky is blue"}])


def test_named_templates_and_template_file(tmp_path: Path) -> None:
    _tokenizer(tmp_path / "a", {"chat_template": [{"name": "tool_use", "template": "x"},
                                                  {"name": "default", "template": TEMPLATE}]})
    assert "<|user|>" in HFChatCounter(tmp_path / "a").render(MESSAGES)
    _tokenizer(tmp_path / "b", {})
    (tmp_path / "b" / "chat_template.jinja").write_text(TEMPLATE, encoding="utf-8")
    assert HFChatCounter(tmp_path / "b").exact


def test_without_template_the_count_is_a_labelled_estimate(tmp_path: Path) -> None:
    tok = _tokenizer(tmp_path)
    counter = HFChatCounter(tmp_path)
    assert not counter.exact
    assert "estimate" in counter.method and str(PER_MESSAGE_OVERHEAD) in counter.method
    content = sum(len(tok.encode(m["content"], add_special_tokens=False).ids) for m in MESSAGES)
    assert counter.count_example(MESSAGES) == content + PER_MESSAGE_OVERHEAD * len(MESSAGES)
    with pytest.raises(ChatTemplateError):
        counter.render(MESSAGES)


def test_template_errors_are_values_not_crashes(tmp_path: Path) -> None:
    raising = ("{% for m in messages %}{% if m.role == 'system' %}"
               "{{ raise_exception('System role not supported') }}{% endif %}{% endfor %}")
    _tokenizer(tmp_path / "r", {"chat_template": raising})
    with pytest.raises(ChatTemplateError, match="System role not supported"):
        HFChatCounter(tmp_path / "r").count_example(MESSAGES)
    _tokenizer(tmp_path / "s", {"chat_template": "{{ ''.__class__.__mro__[1].__subclasses__() }}"})
    with pytest.raises(ChatTemplateError, match="unsafe"):
        HFChatCounter(tmp_path / "s").count_example(MESSAGES)
    _tokenizer(tmp_path / "c", {"chat_template": "{% for %}"})
    with pytest.raises(ChatTemplateError, match="does not compile"):
        HFChatCounter(tmp_path / "c")


def test_tojson_does_not_html_escape(tmp_path: Path) -> None:
    _tokenizer(tmp_path, {"chat_template": "{{ messages[0].content | tojson }}"})
    assert HFChatCounter(tmp_path).render([{"role": "user", "content": "a<b & c"}]) == '"a<b & c"'


def test_model_name_is_found_in_the_local_cache(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "hub" / "models--acme--tiny-chat"
    old, new = repo / "snapshots" / "aaa", repo / "snapshots" / "bbb"
    _tokenizer(old, {"chat_template": TEMPLATE})
    _tokenizer(new, {"chat_template": TEMPLATE})
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("aaa\n", encoding="utf-8")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.chdir(tmp_path)
    assert find_tokenizer("acme/tiny-chat") == old  # refs/main wins
    (repo / "refs" / "main").unlink()
    os.utime(old / "tokenizer.json", (1, 1))
    os.utime(old, (1, 1))
    assert find_tokenizer("acme/tiny-chat") == new  # else the newest snapshot
    assert HFChatCounter("acme/tiny-chat").exact


def test_cache_location_follows_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    assert hub_cache_dir() == tmp_path / "hf" / "hub"
    monkeypatch.delenv("HF_HOME")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert hub_cache_dir() == tmp_path / "xdg" / "huggingface" / "hub"


def test_missing_tokenizer_says_how_to_get_one(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(TokenizerNotFound, match="never downloads"):
        HFChatCounter("acme/not-cached")
    with pytest.raises(TokenizerNotFound):
        find_tokenizer(tmp_path / "empty-folder")


def test_the_named_tokenizer_file_is_used_and_a_bad_one_is_a_clear_error(tmp_path: Path) -> None:
    from ftprep.tokenizers_hf import HFChatCounter, TokenizerNotFound

    bad = tmp_path / "tokenizer.json"
    bad.write_text("{}", encoding="utf-8")
    with pytest.raises(TokenizerNotFound, match="not a Hugging Face tokenizer file"):
        HFChatCounter(bad)
