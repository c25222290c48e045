"""Chat-template golden renders for prefloop's text tests, produced by Hugging Face transformers' own
apply_chat_template machinery (PreTrainedTokenizerBase._compile_jinja_template: jinja2 sandbox with
trim_blocks/lstrip_blocks and raise_exception), from /work/shared/reference/vendor. Not a template engine.
Templates are the published chat_template strings of Zephyr, Qwen2 (ChatML) and Mistral-Instruct-v0.2.

Usage: /usr/bin/python3 scripts/reference/chat_template_ref.py --out test/golden/text
(needs Debian python3-jinja2)
"""
import argparse
import json
import os
import sys

REF = os.environ.get("PREFLOOP_REFERENCE", "/work/shared/reference")
sys.path[:0] = [REF, os.path.join(REF, "vendor")]

from transformers.tokenization_utils_base import PreTrainedTokenizerBase  # noqa: E402

TEMPLATES = {
    "zephyr": "{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ '<|user|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'system' %}\n{{ '<|system|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'assistant' %}\n{{ '<|assistant|>\n'  + message['content'] + eos_token }}\n{% endif %}\n{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}",
    "qwen2": "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}",
    "mistral": "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}",
}
SPECIAL = {
    "zephyr": {"bos_token": "<s>", "eos_token": "</s>"},
    "qwen2": {"bos_token": None, "eos_token": "<|im_end|>"},
    "mistral": {"bos_token": "<s>", "eos_token": "</s>"},
}
CONVERSATIONS = [
    [{"role": "user", "content": "Write a haiku about rain."}],
    [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi!"}],
    [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}, {"role": "user", "content": "And 3+3?\nThanks"}],
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    cases = []
    for name, tmpl in TEMPLATES.items():
        compiled = PreTrainedTokenizerBase._compile_jinja_template(None, tmpl)
        for conv in CONVERSATIONS:
            for agp in (True, False):
                try:
                    text = compiled.render(messages=conv, add_generation_prompt=agp,
                                           **{k: v for k, v in SPECIAL[name].items() if v is not None})
                    error = None
                except Exception as e:  # raise_exception in the template
                    text, error = None, str(e)
                cases.append({"template": name, "messages": conv, "add_generation_prompt": agp, "text": text, "error": error})
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "chat-templates.json"), "w", encoding="utf-8") as f:
        json.dump({"source": "transformers 4.40 _compile_jinja_template (scripts/reference/chat_template_ref.py)",
                   "templates": TEMPLATES, "special": SPECIAL, "cases": cases}, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
