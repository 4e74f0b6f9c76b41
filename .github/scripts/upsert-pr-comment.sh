#!/usr/bin/env bash
# Posts the offline-diff comment a preview run left as its `offline-diff` artifact, or
# updates the one posted before, in place. preview-comment.yml runs it on workflow_run, in
# the base repository with a write token, so that pull requests from forks (whose own runs
# get a read-only token) get the comment too. It never runs the pull request's code, and
# treats the artifact as untrusted data: the pull request it names must have this run's
# head commit, and the comment always starts with our own marker.
#
#   upsert-pr-comment.sh DIR REPOSITORY HEAD_SHA     (DIR holds comment.md and pr.json; gh and jq)
set -euo pipefail

dir=$1
repository=$2
head_sha=$3
marker='<!-- hpc-fleet:offline-diff -->'
# GitHub refuses comments over 65,536 characters.
max_bytes=65000

number=$(jq -er '.number | select(type == "number" and . > 0 and . == floor)' "$dir/pr.json") || {
  echo "upsert-pr-comment: $dir/pr.json names no pull request number" >&2
  exit 1
}
actual=$(gh api "repos/$repository/pulls/$number" --jq .head.sha)
if [ "$actual" != "$head_sha" ]; then
  echo "upsert-pr-comment: #$number's head is $actual, not this run's $head_sha: not posting" >&2
  exit 1
fi

full=$(mktemp)
body=$(mktemp)
{
  printf '%s\n' "$marker"
  grep -vF -- "$marker" "$dir/comment.md" || true
} >"$full"
head -c "$max_bytes" "$full" >"$body"

ids=$(gh api --paginate "repos/$repository/issues/$number/comments" \
  --jq ".[] | select(.user.login == \"github-actions[bot]\" and (.body | startswith(\"$marker\"))) | .id")
existing=${ids%%$'\n'*}
if [ -n "$existing" ]; then
  gh api --method PATCH "repos/$repository/issues/comments/$existing" -F "body=@$body" >/dev/null
  echo "Updated the offline-diff comment on #$number"
else
  gh api --method POST "repos/$repository/issues/$number/comments" -F "body=@$body" >/dev/null
  echo "Posted the offline-diff comment on #$number"
fi
