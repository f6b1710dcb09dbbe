#!/usr/bin/env bash
# dstream demo on the bundled real data (see data/README.md for provenance and licences).
set -euo pipefail
cd "$(dirname "$0")/.."
DSTREAM=./bin/dstream.js

echo "== Top 10 hashtags per 10-minute event-time window (12,118 tweets of 27 Aug 2017) =="
echo "\$ dstream --map JSON.parse --event-time 't => t.created_at' --flat-map 't => hashtags(t.text)' \\"
echo "    --count-by-value --window 10m --top 10 < data/fivethirtyeight/mayweather_mcgregor_tweets.jsonl"
echo
$DSTREAM --map JSON.parse --event-time 't => t.created_at' --flat-map 't => hashtags(t.text)' \
  --count-by-value --window 10m --top 10 < data/fivethirtyeight/mayweather_mcgregor_tweets.jsonl

echo "== Requests per HTTP status per 5-minute event-time window (Apache access log, first 12 rows) =="
echo "\$ dstream --event-time 'l => l.split(\"[\")[1].split(\"]\")[0]' --watermark 1m --map 'l => l.split(\" \")[8]' \\"
echo "    --count-by-value --window 5m --format tsv < data/elastic-examples/apache_logs | head -12"
echo
$DSTREAM --event-time 'l => l.split("[")[1].split("]")[0]' --watermark 1m --map 'l => l.split(" ")[8]' \
  --count-by-value --window 5m --format tsv < data/elastic-examples/apache_logs | head -12
