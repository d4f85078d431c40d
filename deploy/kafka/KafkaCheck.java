// Readiness probe and smoke test for the single-node test broker.
//
// Run by scripts/kafka.sh with Java's single-file source launcher, against the
// Kafka client jars that `scripts/kafka.sh fetch` put in the cache:
//
//   java -cp '<libs>/*' deploy/kafka/KafkaCheck.java ready <bootstrap> [timeout-ms]
//   java -cp '<libs>/*' deploy/kafka/KafkaCheck.java smoke <bootstrap>
//
// ready: the broker answers an Admin describeCluster + listTopics.
// smoke: creates a topic, writes one committed and one aborted transaction,
//        reads it back with a read_committed consumer in a consumer group
//        (committing offsets), checks that the aborted record is invisible,
//        that __consumer_offsets and __transaction_state exist with the test
//        replication settings, then deletes the topic. On a fresh broker this
//        also pre-creates both coordinator topics, so the first real test
//        does not pay for it.
//
// Exit status 0 on success, 1 on failure (reason on stderr).

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public class KafkaCheck {

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: KafkaCheck (ready|smoke) <bootstrap> [timeout-ms]");
            System.exit(2);
        }
        String mode = args[0];
        String bootstrap = args[1];
        long timeoutMs = args.length > 2 ? Long.parseLong(args[2]) : 10_000L;
        try {
            switch (mode) {
                case "ready":
                    ready(bootstrap, timeoutMs);
                    break;
                case "smoke":
                    smoke(bootstrap);
                    break;
                default:
                    System.err.println("unknown mode: " + mode);
                    System.exit(2);
            }
        } catch (Throwable t) {
            System.err.println("KafkaCheck " + mode + " failed: " + t);
            Throwable cause = t.getCause();
            while (cause != null) {
                System.err.println("  caused by: " + cause);
                cause = cause.getCause();
            }
            System.exit(1);
        }
        System.exit(0);
    }

    private static Admin admin(String bootstrap, long timeoutMs) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "escalator-kafka-check");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeoutMs, 30_000L));
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) Math.max(timeoutMs, 1_000L));
        p.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, 100);
        return Admin.create(p);
    }

    static void ready(String bootstrap, long timeoutMs) throws Exception {
        try (Admin admin = admin(bootstrap, timeoutMs)) {
            DescribeClusterResult cluster = admin.describeCluster();
            String clusterId = cluster.clusterId().get(timeoutMs, TimeUnit.MILLISECONDS);
            int nodes = cluster.nodes().get(timeoutMs, TimeUnit.MILLISECONDS).size();
            int topics = admin.listTopics().names().get(timeoutMs, TimeUnit.MILLISECONDS).size();
            System.out.println("ready cluster.id=" + clusterId + " nodes=" + nodes + " topics=" + topics);
        }
    }

    static void smoke(String bootstrap) throws Exception {
        long t0 = System.nanoTime();
        String topic = "escalator.kafka-check." + UUID.randomUUID().toString().substring(0, 8);
        String txnId = "escalator-kafka-check-" + UUID.randomUUID();
        String group = "escalator-kafka-check-" + UUID.randomUUID();

        try (Admin admin = admin(bootstrap, 30_000L)) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
            try {
                produceAndConsume(bootstrap, topic, txnId, group);
                checkInternalTopics(admin);
            } finally {
                admin.deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
                try {
                    admin.deleteConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS);
                } catch (Exception e) {
                    System.err.println("note: could not delete consumer group " + group + ": " + e);
                }
            }
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        System.out.println("smoke ok: topic create/delete, transactional produce (commit+abort), "
                + "read_committed group consume + offset commit (" + ms + " ms)");
    }

    private static void produceAndConsume(String bootstrap, String topic, String txnId, String group) {
        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        pp.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, txnId);
        pp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        pp.put(ProducerConfig.ACKS_CONFIG, "all");
        pp.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        pp.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 30_000);
        pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(pp)) {
            producer.initTransactions();

            producer.beginTransaction();
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "committed-" + i));
            }
            producer.commitTransaction();

            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k0", "aborted"));
            producer.flush();
            producer.abortTransaction();

            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k1", "committed-3"));
            producer.commitTransaction();
        }

        Properties cp = new Properties();
        cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        cp.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<String> seen = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(cp)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 30_000;
            while (seen.size() < 4 && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(250))) {
                    seen.add(r.value());
                }
            }
            // Give a stray aborted record a moment to show up if it were visible.
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                seen.add(r.value());
            }
            consumer.commitSync(Duration.ofSeconds(30));
        }
        Set<String> expected = Set.of("committed-0", "committed-1", "committed-2", "committed-3");
        if (seen.size() != 4 || !expected.containsAll(seen) || seen.contains("aborted")) {
            throw new IllegalStateException("read_committed consumer saw " + seen + ", expected " + expected);
        }
    }

    private static void checkInternalTopics(Admin admin) throws Exception {
        Set<String> names = admin.listTopics(new ListTopicsOptions().listInternal(true))
                .names().get(30, TimeUnit.SECONDS);
        List<String> internal = List.of("__consumer_offsets", "__transaction_state");
        for (String t : internal) {
            if (!names.contains(t)) {
                throw new IllegalStateException("internal topic " + t + " missing; topics: " + names);
            }
        }
        Map<String, TopicDescription> descs = admin.describeTopics(internal).allTopicNames().get(30, TimeUnit.SECONDS);
        Map<ConfigResource, Config> configs = new HashMap<>(admin.describeConfigs(List.of(
                new ConfigResource(ConfigResource.Type.TOPIC, "__transaction_state"))).all().get(30, TimeUnit.SECONDS));
        for (TopicDescription d : descs.values()) {
            int rf = d.partitions().get(0).replicas().size();
            if (rf != 1) {
                throw new IllegalStateException(d.name() + " has replication factor " + rf);
            }
        }
        String minIsr = configs.values().iterator().next().get("min.insync.replicas").value();
        if (!"1".equals(minIsr)) {
            throw new IllegalStateException("__transaction_state min.insync.replicas=" + minIsr);
        }
    }
}
