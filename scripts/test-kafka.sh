#!/usr/bin/env bash
# A real single-node Apache Kafka broker (KRaft mode: one JVM is broker and controller) for tests and demos.
#
#   scripts/test-kafka.sh install     fetch the broker's jars once (Maven), cached outside the repo
#   scripts/test-kafka.sh start DIR   start a broker on free loopback ports, data and log in DIR;
#                                     prints BROKER=127.0.0.1:PORT once it accepts connections.
#                                     Started again on the same DIR, it keeps its ports and data.
#   scripts/test-kafka.sh stop DIR    stop the broker started in DIR (waits until it has exited)
#   scripts/test-kafka.sh topics|console-consumer|consumer-groups DIR ARGS...
#                                     Kafka's own kafka-topics, kafka-console-consumer, kafka-consumer-groups
#                                     on the broker of DIR (--bootstrap-server is given)
#
# Environment: DSTREAM_KAFKA_VERSION (default 4.1.1), DSTREAM_KAFKA_CACHE (default ~/.cache/dstream/kafka),
# DSTREAM_KAFKA_HEAP (default 512m). Needs java (17+) and mvn on PATH for install. Exit codes: 0 done,
# 1 failure (the broker's log tail on stderr), 2 usage.
set -euo pipefail

version="${DSTREAM_KAFKA_VERSION:-4.1.1}"
cache="${DSTREAM_KAFKA_CACHE:-${HOME:-/tmp}/.cache/dstream/kafka}/$version"
heap="${DSTREAM_KAFKA_HEAP:-512m}"

die() { echo "test-kafka: $*" >&2; exit 1; }

# What the cache holds; a cache made for another list of jars is fetched again.
layout="kafka_2.13 kafka-tools log4j-core log4j-slf4j-impl"

install() {
  [[ -f "$cache/.complete" && "$(cat "$cache/.complete")" == "$layout" ]] && return 0
  command -v java >/dev/null || die "java is not installed (Kafka $version needs Java 17 or later)"
  command -v mvn >/dev/null || die "mvn is not installed (it fetches Kafka's jars)"
  mkdir -p "$cache"
  local work
  work="$(mktemp -d "$cache/.install.XXXXXX")"
  cat >"$work/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dstream.test</groupId>
  <artifactId>kafka-broker</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$version</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$version</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>2.24.3</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>2.24.3</version></dependency>
  </dependencies>
</project>
EOF
  echo "test-kafka: fetching Apache Kafka $version (broker and storage tool) into $cache" >&2
  (cd "$work" && mvn -B -q -Dstyle.color=never dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=libs) \
    || { rm -rf "$work"; die "mvn could not fetch org.apache.kafka:kafka_2.13:$version"; }
  rm -rf "$cache/libs" && mv "$work/libs" "$cache/libs" && rm -rf "$work"
  echo "$layout" >"$cache/.complete"
}

# A free TCP port on 127.0.0.1 (the kernel picks it).
free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

java_cmd() { # MAIN ARGS...
  local dir="$1"; shift
  java -Xms128m "-Xmx$heap" -XX:+UseSerialGC -Djava.awt.headless=true \
    "-Dlog4j2.configurationFile=$dir/log4j2.properties" "-Dkafka.logs.dir=$dir/logs" \
    -cp "$cache/libs/*" "$@"
}

configure() { # DIR: first start only — ports, server.properties, storage format
  local dir="$1" port cport
  port="$(free_port)"; cport="$(free_port)"
  while [[ "$cport" == "$port" ]]; do cport="$(free_port)"; done
  mkdir -p "$dir/data" "$dir/logs"
  cat >"$dir/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
num.partitions=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# Keep records forever: time retention counts from record timestamps, and test/demo data (an old access log
# produced with its own times) would otherwise be deleted minutes after it is written.
log.retention.ms=-1
EOF
  cat >"$dir/log4j2.properties" <<EOF
status = error
appender.file.type = File
appender.file.name = file
appender.file.fileName = $dir/logs/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
logger.kafka.name = org.apache.kafka
logger.kafka.level = warn
EOF
  local cluster
  # A cluster id as Kafka makes them: 16 random bytes in base64url, never starting with '-'.
  cluster="$(node -e 'const c=require("crypto");let s;do s=c.randomBytes(16).toString("base64url");while(s[0]==="-");console.log(s)')"
  java_cmd "$dir" kafka.tools.StorageTool format "--cluster-id=$cluster" "--config=$dir/server.properties" >"$dir/logs/format.log" 2>&1 \
    || { cat "$dir/logs/format.log" >&2; die "formatting the storage in $dir failed"; }
  echo "$port" >"$dir/port"
}

alive() { [[ -f "$1/broker.pid" ]] && kill -0 "$(cat "$1/broker.pid")" 2>/dev/null; }

start() {
  local dir="$1"
  mkdir -p "$dir"; dir="$(cd "$dir" && pwd)"
  alive "$dir" && die "a broker is already running in $dir (pid $(cat "$dir/broker.pid"))"
  install
  [[ -f "$dir/port" ]] || configure "$dir"
  local port; port="$(cat "$dir/port")"
  # setsid: the broker outlives this script and is not hit by the caller's terminal signals.
  setsid bash -c 'exec "$@"' _ java -Xms128m "-Xmx$heap" -XX:+UseSerialGC -Djava.awt.headless=true \
    "-Dlog4j2.configurationFile=$dir/log4j2.properties" "-Dkafka.logs.dir=$dir/logs" \
    -cp "$cache/libs/*" kafka.Kafka "$dir/server.properties" </dev/null >>"$dir/logs/stdout.log" 2>&1 &
  echo $! >"$dir/broker.pid"
  # Wait for the broker to accept connections on its port (it opens it when startup is complete), or to die.
  node - "$port" "$(cat "$dir/broker.pid")" <<'EOF' || { tail -n 30 "$dir/logs/server.log" "$dir/logs/stdout.log" >&2 2>/dev/null; die "the broker did not start (log in $dir/logs)"; }
const net = require('net');
const [port, pid] = process.argv.slice(2).map(Number);
const deadline = Date.now() + 180_000;
const alive = () => { try { process.kill(pid, 0); return true; } catch { return false; } };
(function attempt() {
  const s = net.connect(port, '127.0.0.1');
  s.once('connect', () => { s.destroy(); process.exit(0); });
  s.once('error', () => {
    if (!alive() || Date.now() > deadline) process.exit(1);
    setTimeout(attempt, 100);
  });
})();
EOF
  echo "BROKER=127.0.0.1:$port"
}

stop() {
  local dir="$1"
  [[ -f "$dir/broker.pid" ]] || { echo "test-kafka: no broker was started in $dir" >&2; return 0; }
  local pid; pid="$(cat "$dir/broker.pid")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    local i
    for ((i = 0; i < 600; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then echo "test-kafka: broker $pid ignored SIGTERM for 60 s; killing it" >&2; kill -KILL "$pid"; fi
  fi
  rm -f "$dir/broker.pid"
}

tool() { # CLASS DIR ARGS...
  local class="$1" dir="$2"; shift 2
  [[ -f "$dir/port" ]] || die "no broker was started in $dir"
  install
  java -Xmx256m -XX:+UseSerialGC "-Dlog4j2.configurationFile=$dir/log4j2.properties" -cp "$cache/libs/*" \
    "$class" --bootstrap-server "127.0.0.1:$(cat "$dir/port")" "$@"
}

case "${1:-}" in
  topics) [[ $# -ge 2 ]] || exit 2; shift; tool org.apache.kafka.tools.TopicCommand "$@" ;;
  console-consumer) [[ $# -ge 2 ]] || exit 2; shift; tool org.apache.kafka.tools.consumer.ConsoleConsumer "$@" ;;
  consumer-groups) [[ $# -ge 2 ]] || exit 2; shift; tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand "$@" ;;
  install) install ;;
  start) [[ $# -eq 2 ]] || { echo "usage: $0 start DIR" >&2; exit 2; }; start "$2" ;;
  stop) [[ $# -eq 2 ]] || { echo "usage: $0 stop DIR" >&2; exit 2; }; stop "$2" ;;
  *) echo "usage: $0 install | start DIR | stop DIR | topics|console-consumer|consumer-groups DIR ARGS..." >&2; exit 2 ;;
esac
