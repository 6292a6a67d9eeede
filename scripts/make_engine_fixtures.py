#!/usr/bin/env python3
"""Writes the reference fixtures TallyEngine's tests compare against (Tests/TallyEngineTests/Fixtures/).

Tally's tests never run Python: they read the small files this script commits. Run it again only to
regenerate them, from the repository root:

    pip install tokenizers transformers torch safetensors
    python3 scripts/make_engine_fixtures.py            # tokenizer fixtures and tiny model fixtures
    python3 scripts/make_engine_fixtures.py --no-models  # tokenizer fixtures only (no torch needed)

What it writes:

  Fixtures/tokenizer/corpus.txt            the small training text below
  Fixtures/tokenizer/tokenizer.json        byte-level BPE trained on it by the `tokenizers` library
                                           (merges as ["a", "b"] pairs, add_prefix_space false, one
                                           non-special added token "[[note]]")
  Fixtures/tokenizer/cases.json            texts with the ids `tokenizers` gives them and their decoding
  Fixtures/tokenizer/tokenizer-prefix-space.json   the same model with merges as "a b" strings and
                                           add_prefix_space true
  Fixtures/tokenizer/cases-prefix-space.json       expected ids for that variant
  Fixtures/tokenizer/training-corpus.txt   a text without special tokens (the corpus lines and test texts)
  Fixtures/tokenizer/trained-by-tokenizers.json   what BpeTrainer (vocab 700, min_frequency 2) learns
                                           from it, for comparing Tally's trainer
  Fixtures/tokenizer/chat-cases.json       conversations rendered by transformers' apply_chat_template with
                                           Tally's chat template, as text and ids
  Fixtures/tokenizer/llama3-style.json     the same model with Llama 3's special-token layout, as its
                                           tokenizer.json has it: a special <|begin_of_text|> and a Sequence
                                           post-processor of ByteLevel and a TemplateProcessing that puts
                                           <|begin_of_text|> before each text (pair: before each of the two)
  Fixtures/tokenizer/cases-llama3-style.json   texts with the ids `tokenizers` gives them with and without
                                           special tokens, and pairs of texts with their ids and type ids
  Fixtures/tokenizer/chat-cases-llama3-style.json  apply_chat_template with Tally's chat template for that
                                           tokenizer, which starts with <|begin_of_text|>
  Fixtures/tokenizer/llama3-split.json     a byte-level BPE trained (vocab 600) with Llama 3's pre-tokenizer
                                           (a Split with its pattern before a ByteLevel without one),
                                           ignore_merges and the <|begin_of_text|> template, as Llama 3 has
  Fixtures/tokenizer/cases-llama3-split.json   expected ids for it, and each text's pre-tokenized pieces
  Fixtures/tokenizer/gpt2-transformers5.json   the base model as transformers 5 saves a GPT-2 tokenizer
                                           built from its vocabulary and merges (GPT2Tokenizer(vocab=…,
                                           merges=…).save_pretrained): a TemplateProcessing post-processor
                                           that adds nothing ($A, and $A $B for pairs)
  Fixtures/tokenizer/cases-gpt2-transformers5.json   expected ids for it
  Fixtures/gpt2-tiny/, Fixtures/llama-tiny/        tiny randomly initialised GPT2LMHeadModel (float32)
                                           and LlamaForCausalLM (4 heads, 2 key/value heads, rope_theta
                                           500000, saved in bfloat16) from save_pretrained (safetensors, config.json), the
                                           tokenizer.json, and generation.json: for a few prompts, greedy
                                           generate() ids (16 new tokens, eos disabled) and the logits at
                                           the last prompt position. The prompts are encoded as
                                           transformers encodes text (add_special_tokens=True); one more
                                           run is a conversation through apply_chat_template (which adds
                                           no special tokens beyond the template's). gpt2-tiny holds
                                           gpt2-transformers5.json as its tokenizer.json.
  Fixtures/llama3-tiny/                    the same Llama model shape with llama3-split.json (Llama 3's
                                           pre-tokenizer and template) as transformers 5 saves it: every
                                           prompt starts with <|begin_of_text|>, once

Everything is seeded, so reruns give the same files for the same library versions.
"""

import argparse
import json
import os
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Tests", "TallyEngineTests", "Fixtures")
SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
BEGIN_OF_TEXT = "<|begin_of_text|>"
VOCAB_SIZE = 512

CORPUS = """\
The quick brown fox jumps over the lazy dog. The dog didn't mind; it's a lazy dog, after all.
I'll tell you what we're going to do: we've got 3 apples, 12 pears and 1,024 grapes.
She'd said it's 3.14159 or thereabouts. They'll compute 2 + 3 = 5 and 7 * 6 = 42.
<|im_start|>user
What is 17 + 25?<|im_end|>
<|im_start|>assistant
17 + 25 = 42.<|im_end|>
<|endoftext|>
def square(x):
    return x * x  # the square of x

for i in range(10):
        print(i, square(i))
Café, naïve, Zürich, São Paulo, Ångström, façade, jalapeño.
Привет, мир! Как дела? Всё хорошо.
你好，世界！今天天气很好。日本語のテキストも少しあります。한국어 문장도 있습니다.
Emoji: 👍 👍🏽 🎉 ❤️ 👨‍👩‍👧 🇫🇷 — dashes – and “quotes” ‘here’.
Whitespace    runs\t\ttabs and\n\n\nnewlines   end.
The rain in Spain stays mainly in the plain. How now, brown cow? 1999, 2000, 2001, 2024.
Unit conversion: 5 km = 5000 m; 2 kg = 2000 g; 3 h = 180 min. Temperatures: -5°C, 23°F.
Can't, won't, shouldn't, wouldn't, couldn't, I'm, you're, he's, she's, it's, we're, they're.
"""

CASES = [
    "",
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog.",
    "I'll can't we're they've I'm he'd it's",
    "DON'T SHOUT, IT'S RUDE",
    "'s 's ''s ''' 're've'll'd'm't",
    "3.14159 1,000,000 2024-01-01 x2y3 H2O CO₂ ½ ² ٣٤ Ⅻ",
    "a  b   c\t\td\n\n\ne    ",
    "   leading spaces",
    "trailing spaces   ",
    "\n",
    "  ",
    " \n ",
    " ",
    "\r\n\r\nwindows\r\nlines",
    "nbsp\u00a0here\u3000ideographic\u2003em\u2009thin",
    "\u0085next line and \u2028 line separator",
    "\x1c\x1d\x1e\x1f separators",
    "\x00\x01\x07\x7f control",
    "Café naïve Zürich São Paulo",
    "e\u0301 combining acute vs é",
    "Привет, мир!",
    "مرحبا بالعالم",
    "नमस्ते दुनिया",
    "שלום עולם",
    "👍 👍🏽 🎉 ❤️ 👨‍👩‍👧 🇫🇷",
    "你好，世界！日本語のテキスト한국어",
    "<|im_start|>user\nWhat is 2+3?<|im_end|>\n<|im_start|>assistant\n5<|im_end|>\n",
    "<|endoftext|><|endoftext|>",
    "a<|im_end|>b",
    "<|im_end partial <| im_end |>",
    "before [[note]] after[[note]]",
    "def f(x):\n    return x**2  # square\n",
    "Whitespace    runs\t\ttabs and\n\n\nnewlines   end.",
    "Unit conversion: 5 km = 5000 m; -5°C",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 math 𝟙𝟚𝟛",
    "zero\u200bwidth\u200djoiner\ufeffbom",
]


def train_tokenizer(out_dir):
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE,
        min_frequency=2,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(CORPUS.splitlines(keepends=True), trainer)
    tokenizer.add_tokens([AddedToken("[[note]]", normalized=True, special=False)])
    path = os.path.join(out_dir, "tokenizer.json")
    tokenizer.save(path)
    return path


def write_compact_json(path, data):
    """JSON with one list element or map entry per line: small files that still diff well."""
    def lines(value):
        if isinstance(value, dict):
            return [json.dumps(key) + ": " + json.dumps(item, ensure_ascii=True) for key, item in value.items()]
        return [json.dumps(item, ensure_ascii=True) for item in value]

    parts = []
    for key, value in data.items():
        if isinstance(value, (list, dict)) and value:
            opening, closing = ("{", "}") if isinstance(value, dict) else ("[", "]")
            parts.append(json.dumps(key) + ": " + opening + "\n  " + ",\n  ".join(lines(value)) + "\n" + closing)
        else:
            parts.append(json.dumps(key) + ": " + json.dumps(value, ensure_ascii=True))
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("{\n" + ",\n".join(parts) + "\n}\n")


def random_texts(count, seed):
    """Random strings over scalars from every class GPT-2's pattern distinguishes, to stress the pre-tokenizer."""
    import random

    rng = random.Random(seed)
    pools = [
        list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"),
        list("0123456789"),
        list(" ") * 6 + list("\t\n\r\x0b\x0c\x1c\x1d\x85\xa0\u1680\u2000\u2007\u200a\u2028\u2029\u202f\u205f\u3000"),
        list("'") * 4 + list("strevmld"),
        list(".,;:!?-_()[]{}<>|/\\\"@#$%^&*+=~`"),
        list("éüñçøßÆœĀāЖжΩωאבعربहिन्दी"),
        list("你好世界日本語한국어カタカナ"),
        list("½²³٣४໒Ⅻⅻ①"),
        ["\u0301", "\u200d", "\ufe0f", "\u200b", "\ufeff", "\x00", "\x7f"],
        ["👍", "🏽", "🎉", "❤", "👨", "👩", "🇫", "🇷", "𝔘", "𝟙"],
        ["<|im_end|>", "<|im_start|>", "<|endoftext|>", "<|", "|>", "[[note]]"],
    ]
    texts = []
    for _ in range(count):
        length = rng.randint(0, 40)
        weights = [rng.random() for _ in pools]
        texts.append("".join(rng.choice(rng.choices(pools, weights)[0]) for _ in range(length)))
    return texts


def write_cases(tokenizer_path, cases_path, with_special_tokens=False, with_pieces=False, extra_texts=()):
    """Each text's ids (encode() adds special tokens by default); with_special_tokens also records the ids
    without them, and pairs of texts encoded together, for tokenizers whose post-processor adds tokens."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(tokenizer_path)
    texts = CASES + random_texts(150, seed=7) + list(extra_texts)
    cases = []
    for text in texts:
        encoding = tokenizer.encode(text)
        case = {
            "text": text,
            "ids": encoding.ids,
            "decoded": tokenizer.decode(encoding.ids, skip_special_tokens=False),
        }
        if with_special_tokens:
            case["ids_without_special_tokens"] = tokenizer.encode(text, add_special_tokens=False).ids
        if with_pieces:
            case["pieces"] = [piece for piece, _ in tokenizer.pre_tokenizer.pre_tokenize_str(text)]
        cases.append(case)
    data = {"tokenizer": os.path.basename(tokenizer_path), "cases": cases}
    if with_special_tokens:
        pairs = []
        for first, second in zip(texts[:40], texts[1:41]):
            encoding = tokenizer.encode(first, second)
            pairs.append({
                "text": first,
                "pair": second,
                "ids": encoding.ids,
                "type_ids": encoding.type_ids,
                "ids_without_special_tokens": tokenizer.encode(first, second, add_special_tokens=False).ids,
            })
        data["pairs"] = pairs
    write_compact_json(cases_path, data)


def write_prefix_space_variant(tokenizer_path, variant_path):
    with open(tokenizer_path, encoding="utf-8") as handle:
        data = json.load(handle)
    data["model"]["merges"] = [" ".join(pair) if isinstance(pair, list) else pair for pair in data["model"]["merges"]]
    data["pre_tokenizer"]["add_prefix_space"] = True
    with open(variant_path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=1)
        handle.write("\n")


def write_training_parity(out_dir):
    """Trains with the `tokenizers` library on a text without special tokens (which Tally splits out of a
    corpus and `tokenizers` does not), so Tally's trainer can be checked to learn the same merges."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    texts = [line for line in CORPUS.splitlines(keepends=True) if "<|" not in line]
    texts += [text + "\n" for text in CASES + random_texts(150, seed=7) if "<|" not in text]
    corpus = "".join(texts)
    with open(os.path.join(out_dir, "training-corpus.txt"), "w", encoding="utf-8", newline="") as handle:
        handle.write(corpus)
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=700, min_frequency=2, special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False,
    )
    tokenizer.train_from_iterator([corpus], trainer)
    tokenizer.save(os.path.join(out_dir, "trained-by-tokenizers.json"))


def make_tokenizer_fixtures():
    out_dir = os.path.join(FIXTURES, "tokenizer")
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "corpus.txt"), "w", encoding="utf-8") as handle:
        handle.write(CORPUS)
    path = train_tokenizer(out_dir)
    write_cases(path, os.path.join(out_dir, "cases.json"))
    variant = os.path.join(out_dir, "tokenizer-prefix-space.json")
    write_prefix_space_variant(path, variant)
    write_cases(variant, os.path.join(out_dir, "cases-prefix-space.json"))
    write_chat_cases(path, os.path.join(out_dir, "chat-cases.json"))
    write_training_parity(out_dir)
    llama3 = write_llama3_style_tokenizer(path, os.path.join(out_dir, "llama3-style.json"))
    write_cases(llama3, os.path.join(out_dir, "cases-llama3-style.json"), with_special_tokens=True)
    write_chat_cases(llama3, os.path.join(out_dir, "chat-cases-llama3-style.json"), start=BEGIN_OF_TEXT)
    split = write_llama3_split_tokenizer(os.path.join(out_dir, "llama3-split.json"))
    write_cases(split, os.path.join(out_dir, "cases-llama3-split.json"), with_special_tokens=True, with_pieces=True,
                extra_texts=LLAMA3_CASES + random_texts(100, seed=8))
    gpt2 = write_transformers5_gpt2_tokenizer(path, os.path.join(out_dir, "gpt2-transformers5.json"))
    write_cases(gpt2, os.path.join(out_dir, "cases-gpt2-transformers5.json"), with_special_tokens=True)
    print(f"wrote tokenizer fixtures to {out_dir}")
    return path


def write_llama3_style_tokenizer(tokenizer_path, out_path):
    """The base tokenizer with Llama 3's special-token layout (tokenizer.json of Meta-Llama-3-8B): a special
    <|begin_of_text|> added after the vocabulary, and a Sequence post-processor of ByteLevel (offsets only)
    and a TemplateProcessing that puts <|begin_of_text|> before each text."""
    from tokenizers import AddedToken, Tokenizer, processors

    tokenizer = Tokenizer.from_file(tokenizer_path)
    tokenizer.add_special_tokens([AddedToken(BEGIN_OF_TEXT, special=True, normalized=False)])
    begin = tokenizer.token_to_id(BEGIN_OF_TEXT)
    tokenizer.post_processor = processors.Sequence([
        processors.ByteLevel(add_prefix_space=True, trim_offsets=False, use_regex=True),
        processors.TemplateProcessing(
            single=f"{BEGIN_OF_TEXT} $A",
            pair=f"{BEGIN_OF_TEXT} $A {BEGIN_OF_TEXT}:1 $B:1",
            special_tokens=[(BEGIN_OF_TEXT, begin)],
        ),
    ])
    tokenizer.save(out_path)
    return out_path


# Llama 3's pre-tokenizer pattern, as its tokenizer.json spells it.
LLAMA3_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
    r"|\s*[\r\n]+|\s+(?!\S)|\s+"
)


# Texts for the parts of Llama 3's pattern GPT-2's lacks: contractions in any case (and long s, which folds to
# s), runs of at most three digits, one leading non-letter before letters, line breaks after punctuation and
# at the end of whitespace runs.
LLAMA3_CASES = [
    "I'LL DON'T WE'RE 'S 'Ve 'ſ 'S 'ﬅ x'D",
    "12345 1234567 ٣٤٥٦٧ 1,234,567.891",
    "!!\n\n  x?\r\n\r\n  \n\t y",
    "$hello €x  \tword _under -dash 'quote \"q\"",
    "a\n\n\nb \n c\u3000\u3000d \u00a0e\u2028f",
    "   \n\n   ",
    "\n",
    "x \r",
    "tabs\t\tend\t",
    "(a) [b] {c} <d>",
]


def write_llama3_split_tokenizer(out_path):
    """A byte-level BPE made the way Llama 3's is: Llama 3's Split pre-tokenizer before a ByteLevel step without
    a pattern, ignore_merges, and the <|begin_of_text|> template after a ByteLevel post-processor."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    tokenizer = Tokenizer(models.BPE(ignore_merges=True))
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_PATTERN), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=600, min_frequency=2, special_tokens=SPECIAL_TOKENS + [BEGIN_OF_TEXT],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False,
    )
    tokenizer.train_from_iterator(CORPUS.splitlines(keepends=True) + CASES, trainer)
    begin = tokenizer.token_to_id(BEGIN_OF_TEXT)
    tokenizer.post_processor = processors.Sequence([
        processors.ByteLevel(add_prefix_space=True, trim_offsets=False, use_regex=True),
        processors.TemplateProcessing(
            single=f"{BEGIN_OF_TEXT} $A", pair=f"{BEGIN_OF_TEXT} $A {BEGIN_OF_TEXT}:1 $B:1",
            special_tokens=[(BEGIN_OF_TEXT, begin)],
        ),
    ])
    tokenizer.save(out_path)
    with open(out_path, encoding="utf-8") as handle:
        saved = json.load(handle)
    assert saved["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] == LLAMA3_PATTERN
    assert saved["model"]["ignore_merges"] is True
    return out_path


def write_transformers5_gpt2_tokenizer(tokenizer_path, out_path):
    """The base tokenizer as transformers 5 writes a GPT-2 tokenizer made from a vocabulary and merges (a GPT-2
    repository with vocab.json and merges.txt): GPT2Tokenizer sets a TemplateProcessing post-processor with no
    special tokens."""
    import tempfile

    from tokenizers import AddedToken
    from transformers import GPT2Tokenizer

    with open(tokenizer_path, encoding="utf-8") as handle:
        data = json.load(handle)
    tokenizer = GPT2Tokenizer(vocab=data["model"]["vocab"], merges=[tuple(pair) for pair in data["model"]["merges"]])
    tokenizer.add_tokens([AddedToken(token, special=True, normalized=False) for token in SPECIAL_TOKENS],
                         special_tokens=True)
    tokenizer.add_tokens([AddedToken("[[note]]", normalized=True, special=False)])
    with tempfile.TemporaryDirectory() as folder:
        tokenizer.save_pretrained(folder)
        shutil.copy(os.path.join(folder, "tokenizer.json"), out_path)
    with open(out_path, encoding="utf-8") as handle:
        saved = json.load(handle)
    assert saved["post_processor"]["type"] == "TemplateProcessing", saved["post_processor"]
    assert saved["model"]["vocab"] == data["model"]["vocab"], "transformers changed the vocabulary"
    return out_path


def chat_template(start=""):
    """Tally's chat format (Sources/TallyEngine/Tokenizer/ChatTemplate.swift) as a transformers chat template,
    with `start` (a tokenizer's beginning-of-text token) first; Tally writes the same string into each
    checkpoint's tokenizer_config.json."""
    return (
        ("{{ '" + start + "' }}" if start else "")
        + "{% for message in messages %}"
        "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
        "{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
    )


CONVERSATIONS = [
    [{"role": "user", "content": "What is 17 + 25?"}],
    [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is 17 + 25?"},
     {"role": "assistant", "content": "42."}],
    [{"role": "user", "content": "Привет! 你好 👍"}, {"role": "assistant", "content": "Hi.\nBye."},
     {"role": "user", "content": "Convert 5 km to m."}, {"role": "assistant", "content": "5000 m."}],
    [{"role": "user", "content": "def f(x):\n    return x"}],
]


def write_chat_cases(tokenizer_path, out_path, start=""):
    from transformers import PreTrainedTokenizerFast

    tokenizer = PreTrainedTokenizerFast(tokenizer_file=tokenizer_path)
    tokenizer.chat_template = chat_template(start)
    cases = []
    for messages in CONVERSATIONS:
        def ids(add_generation_prompt):
            encoded = tokenizer.apply_chat_template(messages, tokenize=True, add_generation_prompt=add_generation_prompt)
            return list(encoded["input_ids"] if hasattr(encoded, "keys") else encoded)
        cases.append({
            "messages": messages,
            "text": tokenizer.apply_chat_template(messages, tokenize=False),
            "ids": ids(False),
            "prompt_ids": ids(True),
        })
    if start:
        assert all(case["ids"].count(tokenizer.convert_tokens_to_ids(start)) == 1 for case in cases)
    write_compact_json(out_path, {"chat_template": tokenizer.chat_template, "cases": cases})


PROMPTS = [
    "The quick brown fox",
    "<|im_start|>user\nWhat is 17 + 25?<|im_end|>\n<|im_start|>assistant\n",
    "Привет, мир! 你好",
    "def square(x):\n    return",
]
CHAT_PROMPT = [{"role": "user", "content": "What is 17 + 25?"}]
MAX_NEW_TOKENS = 16


def make_model_fixture(name, model, tokenizer_path, save_dtype=None, chat_start=""):
    """Saves `model` like save_pretrained does for a user, plus greedy generations to compare against.

    With save_dtype (e.g. torch.bfloat16) the weights are first rounded to that type, generation runs in float32
    on the rounded weights, and the file is written in that type, so the stored weights are exactly the ones
    that generated the reference ids. The tokenizer.json is the one transformers saves; prompts are encoded as
    transformers encodes text, and one more prompt is CHAT_PROMPT through apply_chat_template with Tally's
    chat template (starting with chat_start).
    """
    import tempfile

    import torch
    from transformers import PreTrainedTokenizerFast

    tokenizer = PreTrainedTokenizerFast(tokenizer_file=tokenizer_path)
    tokenizer.chat_template = chat_template(chat_start)
    prompts = [(prompt, None, tokenizer(prompt)["input_ids"]) for prompt in PROMPTS]
    chat_ids = tokenizer.apply_chat_template(CHAT_PROMPT, tokenize=True, add_generation_prompt=True)
    chat_ids = list(chat_ids["input_ids"] if hasattr(chat_ids, "keys") else chat_ids)
    chat_text = tokenizer.apply_chat_template(CHAT_PROMPT, tokenize=False, add_generation_prompt=True)
    prompts.append((chat_text, CHAT_PROMPT, chat_ids))
    out_dir = os.path.join(FIXTURES, name)
    if os.path.isdir(out_dir):
        shutil.rmtree(out_dir)
    model.eval()
    if save_dtype is not None:
        with torch.no_grad():
            for parameter in model.parameters():
                parameter.copy_(parameter.to(save_dtype).to(torch.float32))

    runs = []
    smallest_margin = float("inf")
    for prompt, messages, ids in prompts:
        with torch.no_grad():
            input_ids = torch.tensor([ids])
            output = model.generate(
                input_ids,
                attention_mask=torch.ones_like(input_ids),
                do_sample=False,
                max_new_tokens=MAX_NEW_TOKENS,
                eos_token_id=None,
                pad_token_id=0,
            )
            generated = output[0, len(ids):].tolist()
            assert len(generated) == MAX_NEW_TOKENS, "generation stopped early"
            # The greedy choices must not be near-ties, or float rounding could flip them in another engine.
            all_logits = model(output[:, :-1]).logits[0, len(ids) - 1:]
            top2 = torch.topk(all_logits, 2, dim=-1).values
            smallest_margin = min(smallest_margin, float((top2[:, 0] - top2[:, 1]).min()))
            assert all_logits.argmax(dim=-1).tolist() == generated, "generate() disagrees with the forward pass"
            last_logits = all_logits[0].tolist()
        run = {"prompt": prompt}
        if messages is not None:
            run["messages"] = messages
        runs.append(run | {
            "prompt_ids": ids,
            "generated_ids": generated,
            "last_prompt_logits": [round(value, 5) for value in last_logits],
        })
    print(f"{name}: smallest top-1/top-2 logit margin on the greedy paths {smallest_margin:.4f}")
    assert smallest_margin > 1e-3, "pick another seed: a greedy step is a near-tie"

    if save_dtype is not None:
        model.to(save_dtype)
    model.save_pretrained(out_dir, safe_serialization=True)
    with tempfile.TemporaryDirectory() as folder:
        tokenizer.save_pretrained(folder)
        shutil.copy(os.path.join(folder, "tokenizer.json"), os.path.join(out_dir, "tokenizer.json"))
    generation_config = os.path.join(out_dir, "generation_config.json")
    if os.path.exists(generation_config):
        os.remove(generation_config)
    # A few values of every stored tensor (as float32, after any bfloat16 rounding), to check the reader.
    tensor_checks = {}
    for tensor_name, tensor in model.state_dict().items():
        values = tensor.to(torch.float32).flatten()
        tensor_checks[tensor_name] = {
            "shape": list(tensor.shape),
            "first": values[:4].tolist(),
            "sum": float(values.to(torch.float64).sum()),
        }
    write_compact_json(os.path.join(out_dir, "generation.json"), {
        "max_new_tokens": MAX_NEW_TOKENS,
        "runs": runs,
        "tensors": tensor_checks,
    })
    print(f"wrote {name} to {out_dir}")


def make_model_fixtures(tokenizer_path):
    import torch
    from tokenizers import Tokenizer
    from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

    folder = os.path.dirname(tokenizer_path)
    vocab_size = Tokenizer.from_file(tokenizer_path).get_vocab_size()
    # A larger initializer range than the default 0.02 spreads the logits, so greedy choices are clear.
    torch.manual_seed(1234)
    gpt2 = GPT2LMHeadModel(GPT2Config(
        vocab_size=vocab_size, n_positions=64, n_embd=32, n_layer=2, n_head=4, initializer_range=0.3,
        bos_token_id=None, eos_token_id=None,
    ))
    make_model_fixture("gpt2-tiny", gpt2, os.path.join(folder, "gpt2-transformers5.json"))

    torch.manual_seed(5678)
    llama = LlamaForCausalLM(LlamaConfig(
        vocab_size=vocab_size, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64, initializer_range=0.3,
        rope_theta=500000.0,
        bos_token_id=None, eos_token_id=None, pad_token_id=None, tie_word_embeddings=False,
    ))
    make_model_fixture("llama-tiny", llama, tokenizer_path, save_dtype=torch.bfloat16)

    llama3_tokenizer = os.path.join(folder, "llama3-split.json")
    torch.manual_seed(5678)
    llama3 = LlamaForCausalLM(LlamaConfig(
        vocab_size=Tokenizer.from_file(llama3_tokenizer).get_vocab_size(), hidden_size=32, intermediate_size=64,
        num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
        initializer_range=0.3, rope_theta=500000.0,
        bos_token_id=None, eos_token_id=None, pad_token_id=None, tie_word_embeddings=False,
    ))
    make_model_fixture("llama3-tiny", llama3, llama3_tokenizer, save_dtype=torch.bfloat16, chat_start=BEGIN_OF_TEXT)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-models", action="store_true", help="write the tokenizer fixtures only")
    args = parser.parse_args()
    tokenizer_path = make_tokenizer_fixtures()
    if not args.no_models:
        make_model_fixtures(tokenizer_path)


if __name__ == "__main__":
    sys.exit(main())
