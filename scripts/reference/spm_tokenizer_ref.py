"""Tokenizer golden fixtures for prefloop's text tests, produced by Google's sentencepiece (Debian
python3-sentencepiece), an implementation independent of ours. Not a tokenizer itself.

It turns the stories260K GGUF vocabulary (tokenizer.ggml.tokens/scores/token_type, as JSON) into a
sentencepiece ModelProto by hand (sentencepiece_model.proto field numbers; no protobuf package needed):
BPE, byte_fallback, identity normalisation, add_dummy_prefix, and remove_extra_whitespaces = false
(llama.cpp's SPM tokenizer does not collapse spaces), then encodes a list of strings with it.
It also writes a Llama-style tokenizer.json for the same vocabulary (merges extracted from the vocab the
way transformers' SentencePieceExtractor does), so the tokenizer.json path is checked on the same strings.

Usage: /usr/bin/python3 scripts/reference/spm_tokenizer_ref.py --vocab VOCAB.json --out test/golden/text
"""
import argparse
import json
import os
import struct

import sentencepiece as spm

TEXTS = [
    "",
    "Once upon a time, there was a little girl named Lily.",
    "Lily's mom said, \"Lily, let's go to the park.\"",
    " leading space",
    "trailing space ",
    "two  spaces   three",
    "line one\nline two\n\nend",
    "tab\there",
    "naïve café — “quotes” … done",
    "emoji 😀 and CJK 日本語",
    "12345 + 678 = 9023",
    "<s> is not special inside text </s>",
    "The quick brown fox jumps over the lazy dog!",
    "Timmy and Tim played with the big red ball. They were very happy.",
    "a",
    " ",
    "\u00a0nbsp\u200a",
    "UPPER lower MiXeD",
]


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(num, wire, payload):
    return varint((num << 3) | wire) + payload


def length_delimited(num, data):
    return field(num, 2, varint(len(data)) + data)


def model_proto(tokens, scores, types):
    out = bytearray()
    for piece, score, typ in zip(tokens, scores, types):
        sp = length_delimited(1, piece.encode("utf-8"))
        sp += field(2, 5, struct.pack("<f", score))
        sp += field(3, 0, varint(typ))
        out += length_delimited(1, sp)
    trainer = field(3, 0, varint(2))  # model_type = BPE
    trainer += field(4, 0, varint(len(tokens)))  # vocab_size
    trainer += field(35, 0, varint(1))  # byte_fallback
    out += length_delimited(2, trainer)
    normalizer = length_delimited(1, b"identity")
    normalizer += field(3, 0, varint(1))  # add_dummy_prefix
    normalizer += field(4, 0, varint(0))  # remove_extra_whitespaces = false
    normalizer += field(5, 0, varint(1))  # escape_whitespaces
    out += length_delimited(3, normalizer)
    return bytes(out)


def tokenizer_json(tokens, types):
    vocab = {t: i for i, t in enumerate(tokens)}
    merges = []
    for piece, pid in vocab.items():
        if types[pid] != 1:
            continue
        for i in range(1, len(piece)):
            left, right = piece[:i], piece[i:]
            if left in vocab and right in vocab:
                merges.append((left, right, pid))
    merges.sort(key=lambda m: (m[2], vocab[m[0]], vocab[m[1]]))
    special = [
        {"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
         "normalized": False, "special": True}
        for i, t in enumerate(tokens) if types[i] in (2, 3)
    ]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": special,
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Prepend", "prepend": "\u2581"},
            {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"},
        ]},
        "pre_tokenizer": None,
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "<s>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}},
        },
        "decoder": {"type": "Sequence", "decoders": [
            {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
            {"type": "ByteFallback"},
            {"type": "Fuse"},
            {"type": "Strip", "content": " ", "start": 1, "stop": 0},
        ]},
        "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": True, "byte_fallback": True,
                  "vocab": vocab, "merges": [f"{a} {b}" for a, b, _ in merges]},
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    v = json.load(open(args.vocab, encoding="utf-8"))
    tokens, scores, types = v["tokens"], v["scores"], v["token_type"]
    sp = spm.SentencePieceProcessor(model_proto=model_proto(tokens, scores, types))
    assert sp.get_piece_size() == len(tokens) and sp.bos_id() == 1 and sp.eos_id() == 2
    cases = []
    for text in TEXTS:
        ids = sp.encode(text)
        cases.append({"text": text, "ids": ids, "pieces": [tokens[i] for i in ids], "decoded": sp.decode(ids)})
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "stories260k-spm.json"), "w", encoding="utf-8") as f:
        json.dump({"source": f"sentencepiece {spm.__version__} on a ModelProto built from the GGUF vocabulary "
                   "(scripts/reference/spm_tokenizer_ref.py)", "cases": cases}, f, ensure_ascii=False, indent=1)
    with open(os.path.join(args.out, "stories260k-tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer_json(tokens, types), f, ensure_ascii=False)


if __name__ == "__main__":
    main()
