// A downstream consumer of Helio's change topics, in Java with kafka-clients and Jackson.
//
// It does what a consumer that wants whole source transactions has to do (docs/consumers.md):
// follows every topic of a prefix in a consumer group, drops the duplicates that at-least-once
// delivery brings after a capture restart, holds each transaction's events until the END on
// `<prefix>.transaction` says they have all arrived, then prints the transaction with its
// per-table event counts and applies it, in commit order, to an in-memory copy of the source
// tables (key -> row). Tombstones, truncates, snapshot reads and both record forms
// (`capture.compatibility: helio` and `debezium`) are handled. Offsets are committed only up to
// a point where every transaction read so far was printed, so a restart loses nothing. The
// Python example (examples/python/consumer.py) is the same program, line for line in output.
//
// Against `make run`'s local stack (in another terminal, from the checkout):
//
//     examples/java/run
//     examples/java/run --max-transactions 10 --group demo-$RANDOM
//
// examples/java/run compiles this file with javac against kafka-clients 4.3 and Jackson (the jars
// of Debezium 3.6.3, installed into .local/ by bench/debezium/install on first use) and runs it.
// Options: --brokers (default $HELIO_KAFKA_BROKERS, else 127.0.0.1:59092), --prefix (default
// $HELIO_TOPIC_PREFIX, else solar), --group (default helio-example-java), --max-transactions N
// (stop after N transactions), --timeout SECONDS (stop then; exit 1 if --max-transactions was not
// reached). Ctrl-C stops it. Output, one line each:
//
//     transaction <txId> <commit time> events=<n> <schema.table>=<n> ...
//     rows <schema.table>=<rows held> ...          (at exit)
//     summary transactions=<n> duplicates=<n> tombstones=<n> snapshot_reads=<n>
//
// Tests/IntegrationTests/ConsumerExampleTests.swift runs it in `make test`.

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

public final class Consumer {
    static final ObjectMapper JSON = new ObjectMapper();
    // Debezium's form counts a logical decoding message in END under a collection named after a
    // Java object (`...LogicalDecodingMessageMonitor$LogicalDecodingMessageId@<hash>`).
    static final String MESSAGE_COLLECTION_PREFIX = "io.debezium.connector.postgresql.LogicalDecodingMessageMonitor";
    // How many printed transaction ids are remembered to recognise a transaction sent again.
    static final int REMEMBERED_TRANSACTIONS = 100_000;
    static final DateTimeFormatter COMMIT_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    /** Identity of a change: table, key and position (docs/contract.md). The flag tells a snapshot
     *  read from a change at the same position (Debezium's form puts its snapshot reads at the
     *  slot's consistent point, where the first change may sit). */
    record Identity(String collection, String key, long lsn, boolean snapshotRead) {}

    record Event(String collection, String key, JsonNode value) {
        String op() { return value.path("op").asText(); }
        long lsn() { return value.path("source").path("lsn").asLong(0); }
    }

    static final class Transaction {
        final String txId;
        JsonNode end; // the END event, once read
        final Map<Identity, Event> events = new LinkedHashMap<>(); // a repeated event lands on its first copy

        Transaction(String txId) { this.txId = txId; }

        Map<String, Integer> counts() {
            Map<String, Integer> counts = new TreeMap<>();
            for (Event event : events.values()) counts.merge(event.collection(), 1, Integer::sum);
            return counts;
        }

        Map<String, Integer> expected() {
            Map<String, Integer> counts = new TreeMap<>();
            for (JsonNode entry : end.path("data_collections")) {
                String name = entry.path("data_collection").asText();
                counts.merge(name.startsWith(MESSAGE_COLLECTION_PREFIX) ? "message" : name, entry.path("event_count").asInt(), Integer::sum);
            }
            return counts;
        }

        boolean isComplete() { return end != null && counts().equals(expected()); }
    }

    /** Transactions from the events of every topic, released in commit order. */
    static final class Reassembler {
        final PrintStream out;
        final Integer maxTransactions; // print no more than this many (null: no limit)
        final Map<String, Transaction> pending = new HashMap<>(); // txId -> not yet printed
        final ArrayDeque<String> ends = new ArrayDeque<>(); // txIds in the order of their ENDs: commit order
        // Recently printed txIds, to recognise them sent again.
        final Map<String, Boolean> printed = new LinkedHashMap<>() {
            @Override protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) { return size() > REMEMBERED_TRANSACTIONS; }
        };
        final Map<String, Map<String, JsonNode>> tables = new TreeMap<>(); // "schema.table" -> key -> row
        final Map<String, Integer> stats = new LinkedHashMap<>(); // in the order the summary prints them

        Reassembler(PrintStream out, Integer maxTransactions) {
            this.out = out;
            this.maxTransactions = maxTransactions;
            for (String name : List.of("transactions", "duplicates", "tombstones", "snapshot_reads")) stats.put(name, 0);
        }

        /** Nothing read is waiting: every offset consumed so far may be committed. */
        boolean isIdle() { return pending.isEmpty() && ends.isEmpty(); }

        void count(String name) { stats.merge(name, 1, Integer::sum); }

        void change(byte[] key, byte[] value, boolean isMessageTopic) throws Exception {
            if (value == null) {
                // A tombstone: the delete before it (same key, same partition) removed the row; the
                // tombstone only lets a compacted topic forget the key. It belongs to no transaction.
                count("tombstones");
                return;
            }
            JsonNode envelope = unwrap(JSON.readTree(value));
            JsonNode source = envelope.path("source");
            String collection = isMessageTopic ? "message" : source.path("schema").asText() + "." + source.path("table").asText();
            Event event = new Event(collection, key == null ? null : new String(key, StandardCharsets.UTF_8), envelope);
            JsonNode txId = source.path("txId");
            // Debezium's form: snapshot reads and non-transactional messages belong to no transaction
            // (`transaction` is null). Helio's form frames its snapshot as transaction 0.
            if (txId.isMissingNode() || txId.isNull() || (envelope.has("transaction") && envelope.get("transaction").isNull())) {
                apply(event);
                return;
            }
            String id = txId.asText();
            if (printed.containsKey(id)) {
                count("duplicates"); // a transaction capture sent again after a restart
                return;
            }
            Transaction transaction = pending.computeIfAbsent(id, Transaction::new);
            Identity identity = new Identity(collection, event.key(), event.lsn(), "r".equals(event.op()));
            if (transaction.events.putIfAbsent(identity, event) != null) count("duplicates");
            release();
        }

        void transactionEvent(byte[] value) throws Exception {
            JsonNode event = unwrap(JSON.readTree(value));
            if (!"END".equals(event.path("status").asText())) return; // BEGIN says a transaction started; END carries what a consumer needs
            // Helio's id is txId:commit LSN, Debezium's txId:end LSN: the txId joins them to events.
            String id = event.path("id").asText().split(":")[0];
            if (printed.containsKey(id)) return; // the END of a transaction sent again after a capture restart
            Transaction transaction = pending.computeIfAbsent(id, Transaction::new);
            if (transaction.end != null) return; // sent again before this consumer printed it
            transaction.end = event;
            ends.add(id);
            release();
        }

        boolean isDone() { return maxTransactions != null && stats.get("transactions") >= maxTransactions; }

        void release() {
            while (!ends.isEmpty() && pending.get(ends.peekFirst()).isComplete() && !isDone()) {
                Transaction transaction = pending.remove(ends.pollFirst());
                printTransaction(transaction);
                // Within a transaction, source order is LSN order (a key's changes also keep their
                // order in their partition).
                List<Event> events = new ArrayList<>(transaction.events.values());
                events.sort(Comparator.comparingLong(Event::lsn));
                for (Event event : events) apply(event);
                printed.put(transaction.txId, true);
                count("transactions");
            }
        }

        void printTransaction(Transaction transaction) {
            Map<String, Integer> counts = transaction.counts();
            StringBuilder line = new StringBuilder("transaction ").append(transaction.txId).append(' ')
                .append(COMMIT_TIME.format(Instant.ofEpochMilli(transaction.end.path("ts_ms").asLong())))
                .append(" events=").append(counts.values().stream().mapToInt(Integer::intValue).sum());
            counts.forEach((name, count) -> line.append(' ').append(name).append('=').append(count));
            out.println(line);
            out.flush();
        }

        /** One change applied to the in-memory copy of its table. */
        void apply(Event event) {
            String op = event.op();
            if (op.equals("m")) return; // a logical decoding message (Debezium's form) changes no table
            Map<String, JsonNode> rows = tables.computeIfAbsent(event.collection(), name -> new HashMap<>());
            if (op.equals("t")) {
                rows.clear(); // Helio's form: a truncate (null key) removes every row committed before it
                return;
            }
            JsonNode keyFields = parse(event.key());
            String key = canonical(keyFields);
            if (op.equals("d")) {
                rows.remove(key);
                return;
            }
            if (op.equals("r")) count("snapshot_reads");
            JsonNode before = event.value().path("before");
            if (op.equals("u") && before.isObject()) {
                // Helio's form: a primary-key change is one update under the new key, the old key in
                // `before` (Debezium's form sends delete + tombstone + create instead).
                String oldKey = canonicalFrom(keyFields, before);
                if (oldKey != null && !oldKey.equals(key)) rows.remove(oldKey);
            }
            rows.put(key, event.value().path("after"));
        }

        void summary() {
            StringBuilder rows = new StringBuilder("rows");
            tables.forEach((name, held) -> { if (!name.equals("message")) rows.append(' ').append(name).append('=').append(held.size()); });
            out.println(rows);
            StringBuilder line = new StringBuilder("summary");
            stats.forEach((name, count) -> line.append(' ').append(name).append('=').append(count));
            out.println(line);
            out.flush();
        }
    }

    /** A key or value written with Kafka Connect's schemas (capture.debezium_schemas), {"schema", "payload"}, by its payload. */
    static JsonNode unwrap(JsonNode document) {
        return document.size() == 2 && document.has("schema") && document.has("payload") ? document.get("payload") : document;
    }

    static JsonNode parse(String key) {
        try {
            return unwrap(JSON.readTree(key));
        } catch (Exception e) {
            throw new IllegalArgumentException("a record key that is not JSON: " + key, e);
        }
    }

    static String canonical(JsonNode keyFields) {
        return JSON.convertValue(keyFields, new TypeReference<TreeMap<String, Object>>() { }).toString();
    }

    /** The key `row` had, built from the record key's field names; null if it lacks one. */
    static String canonicalFrom(JsonNode keyFields, JsonNode row) {
        ObjectNode old = JSON.createObjectNode();
        for (Iterator<String> names = keyFields.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!row.has(name)) return null;
            old.set(name, row.get(name));
        }
        return canonical(old);
    }

    /** Every topic capture writes under the prefix: tables, transactions, messages (not the DLQ). */
    static List<String> topicsOf(KafkaConsumer<byte[], byte[]> consumer, String prefix) {
        Map<String, ?> all;
        try {
            all = consumer.listTopics(Duration.ofSeconds(10));
        } catch (KafkaException error) {
            throw new IllegalStateException("cannot list the broker's topics (" + error.getMessage()
                + "): is the broker up? (`make run`, or `deploy/local/stack up`; or --brokers)");
        }
        List<String> topics = all.keySet().stream()
            .filter(name -> name.startsWith(prefix + ".") && !name.equals(prefix + ".dlq")).sorted().toList();
        if (!topics.contains(prefix + ".transaction")) {
            throw new IllegalStateException("no topic " + prefix + ".transaction on the broker: is capture running with topics.prefix "
                + prefix + "? (`make run` in another terminal, or --prefix)");
        }
        return topics;
    }

    record Options(String brokers, String prefix, String group, Integer maxTransactions, Double timeoutSeconds) {
        static Options parse(String[] args) {
            Map<String, String> values = new HashMap<>();
            for (int i = 0; i < args.length; i += 2) {
                if (!List.of("--brokers", "--prefix", "--group", "--max-transactions", "--timeout").contains(args[i]) || i + 1 >= args.length) {
                    System.err.println("usage: Consumer [--brokers HOST:PORT] [--prefix PREFIX] [--group GROUP] [--max-transactions N] [--timeout SECONDS]");
                    System.exit(2);
                }
                values.put(args[i], args[i + 1]);
            }
            String brokers = Objects.requireNonNullElse(System.getenv("HELIO_KAFKA_BROKERS"), "127.0.0.1:59092");
            String prefix = Objects.requireNonNullElse(System.getenv("HELIO_TOPIC_PREFIX"), "solar");
            return new Options(values.getOrDefault("--brokers", brokers), values.getOrDefault("--prefix", prefix),
                values.getOrDefault("--group", "helio-example-java"),
                values.containsKey("--max-transactions") ? Integer.valueOf(values.get("--max-transactions")) : null,
                values.containsKey("--timeout") ? Double.valueOf(values.get("--timeout")) : null);
        }
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, options.brokers());
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, options.group());
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"); // a new group reads the topics from their start
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"); // commit only what has been printed (below)
        // The local broker (Tansu) answers a JoinGroup after about half the session timeout.
        properties.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "6000");
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());

        Reassembler reassembler = new Reassembler(System.out, options.maxTransactions());
        Map<TopicPartition, OffsetAndMetadata> nextOffsets = new HashMap<>();
        Map<TopicPartition, OffsetAndMetadata> committable = new HashMap<>();
        boolean timedOut = false;
        CountDownLatch finished = new CountDownLatch(1);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties)) {
            List<String> topics;
            try {
                topics = topicsOf(consumer, options.prefix());
            } catch (IllegalStateException noTopics) {
                System.err.println("consumer: " + noTopics.getMessage());
                System.exit(1);
                return;
            }
            // Ctrl-C: wake the poll, print the summary and commit, then let the JVM go.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                consumer.wakeup();
                try { finished.await(); } catch (InterruptedException ignored) { }
            }));
            consumer.subscribe(topics, new ConsumerRebalanceListener() {
                // Transactions span partitions: a member that loses some cannot finish what it holds.
                // Run one member per group; offsets committed so far are where the next one starts.
                @Override public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    reassembler.pending.clear();
                    reassembler.ends.clear();
                }
                @Override public void onPartitionsAssigned(Collection<TopicPartition> partitions) { }
            });
            long started = System.nanoTime();
            long committedAt = System.nanoTime();
            try {
                while (true) {
                    if (reassembler.isDone()) break;
                    if (options.timeoutSeconds() != null && (System.nanoTime() - started) / 1e9 > options.timeoutSeconds()) {
                        timedOut = true;
                        break;
                    }
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                        if (record.topic().equals(options.prefix() + ".transaction")) {
                            reassembler.transactionEvent(record.value());
                        } else {
                            reassembler.change(record.key(), record.value(), record.topic().equals(options.prefix() + ".message"));
                        }
                        nextOffsets.put(new TopicPartition(record.topic(), record.partition()), new OffsetAndMetadata(record.offset() + 1));
                        if (reassembler.isIdle()) {
                            committable.clear();
                            committable.putAll(nextOffsets);
                        }
                    }
                    if (System.nanoTime() - committedAt >= 1_000_000_000L) {
                        if (!committable.isEmpty()) consumer.commitSync(committable);
                        committedAt = System.nanoTime();
                    }
                }
            } catch (WakeupException stopping) {
                // Ctrl-C
            } finally {
                reassembler.summary();
                if (!committable.isEmpty()) consumer.commitSync(committable);
            }
        } finally {
            finished.countDown();
        }
        if (timedOut && options.maxTransactions() != null) {
            System.err.printf("consumer: timed out after %s s with %d of %d transactions (%d incomplete)%n", options.timeoutSeconds(),
                reassembler.stats.get("transactions"), options.maxTransactions(), reassembler.pending.size());
            System.exit(1);
        }
    }
}
