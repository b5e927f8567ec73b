#!/bin/sh
# Makes a Temporal namespace ready for rebound: waits for the frontend to serve, creates the
# namespace when it does not exist, registers rebound's search attributes on it (one by one), and
# waits until a visibility query on them is accepted. Safe to run again: what exists is kept; an
# attribute that exists with another type fails it, naming the attribute.
#
# docker-compose.yml runs it in the temporalio/admin-tools image (the `register-search-attributes`
# step); the cluster suite (npm run test:cluster) runs the same file against its servers. It uses
# the official `temporal` CLI, which takes its connection the way Temporal's environment
# configuration names it: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE (default), TEMPORAL_API_KEY,
# TEMPORAL_TLS_CLIENT_CERT_PATH, ... or a profile (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE).
#
#   NAMESPACE_RETENTION (168h)    how long closed workflows stay, for a namespace it creates
#   SETUP_TRIES (90), SETUP_PAUSE_SECONDS (2)   how long to wait for the server, step by step
set -eu

namespace=${TEMPORAL_NAMESPACE:-default}
tries=${SETUP_TRIES:-90}
pause=${SETUP_PAUSE_SECONDS:-2}

# rebound's search attributes (DESIGN.md's CLI contract) and their types.
attributes='JobType:Keyword JobStatus:Keyword JobErrorType:Keyword JobFailureGroup:Keyword DeadLetteredAt:Datetime JobAttempts:Int JobTags:KeywordList'

contains() {
  case $1 in *"$2"*) return 0 ;; esac
  return 1
}

# attempt WHAT DONE_TEXT COMMAND...: runs COMMAND until it exits 0 or prints DONE_TEXT, at most
# $tries times, $pause seconds apart (the server is up before all its services have joined, and
# a new namespace reaches the frontend only at its next cache refresh).
attempt() {
  what=$1 done_text=$2
  shift 2
  n=1
  while :; do
    if out=$("$@" 2>&1); then return 0; fi
    if [ -n "$done_text" ] && contains "$out" "$done_text"; then return 0; fi
    if [ "$n" -ge "$tries" ]; then
      printf 'gave up waiting for %s after %s tries; the last answer:\n%s\n' "$what" "$n" "$out" >&2
      return 1
    fi
    n=$((n + 1))
    sleep "$pause"
  done
}

serving() {
  temporal operator cluster health | grep -q SERVING
}

echo "waiting for the Temporal frontend${TEMPORAL_ADDRESS:+ at $TEMPORAL_ADDRESS}..."
attempt 'the frontend to serve' '' serving

if temporal operator namespace describe --namespace "$namespace" >/dev/null 2>&1; then
  echo "namespace $namespace: exists"
else
  attempt "namespace $namespace to be created" 'already' \
    temporal operator namespace create --namespace "$namespace" --retention "${NAMESPACE_RETENTION:-168h}"
  echo "namespace $namespace: created, retention ${NAMESPACE_RETENTION:-168h}"
fi

# One attribute a call: the CLI takes several --name but one --type.
for pair in $attributes; do
  name=${pair%%:*} type=${pair#*:}
  attempt "search attribute $name" 'already exists' \
    temporal operator search-attribute create --namespace "$namespace" --name "$name" --type "$type"
done

# On SQL visibility the server accepts a name that exists with another type and changes nothing:
# check every type here, or workers would fail every dead-lettering later.
attempt 'the search attributes to be listed' '' temporal operator search-attribute list --namespace "$namespace"
listed=$(temporal operator search-attribute list --namespace "$namespace")
for pair in $attributes; do
  name=${pair%%:*} type=${pair#*:}
  found=$(printf '%s\n' "$listed" | awk -v n="$name" '$1 == n { print $2 }')
  if [ "$found" != "$type" ]; then
    echo "search attribute $name is ${found:-missing} in namespace $namespace; rebound needs it as $type" >&2
    exit 1
  fi
  echo "search attribute $name: $type"
done

# Registered is not yet usable: wait until a visibility query on them is accepted.
attempt 'a visibility query on them to be accepted' '' \
  temporal workflow list --namespace "$namespace" --limit 1 --query 'JobStatus="DeadLettered" AND JobType="x" AND JobAttempts > 0'
echo "namespace $namespace is ready for rebound"
