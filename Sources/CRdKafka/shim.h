#ifndef HELIO_CRDKAFKA_SHIM_H
#define HELIO_CRDKAFKA_SHIM_H
#include <librdkafka/rdkafka.h>

// Macros with casts are not imported into Swift: re-export them as constants.
static const int32_t helio_rd_kafka_partition_ua = RD_KAFKA_PARTITION_UA;
static const int64_t helio_rd_kafka_offset_beginning = RD_KAFKA_OFFSET_BEGINNING;
static const int64_t helio_rd_kafka_offset_end = RD_KAFKA_OFFSET_END;
static const int64_t helio_rd_kafka_offset_stored = RD_KAFKA_OFFSET_STORED;
static const int64_t helio_rd_kafka_offset_invalid = RD_KAFKA_OFFSET_INVALID;

// rd_kafka_producev is variadic and cannot be called from Swift. This wrapper produces one
// record with optional key, value (NULL for a tombstone) and headers; the delivery id travels
// as the message opaque. librdkafka owns `headers` only when the call succeeds.
// The topic is a handle (rd_kafka_topic_new), not a name: by name librdkafka looks the topic
// up under a lock, comparing names, on every call.
static inline rd_kafka_resp_err_t helio_produce(rd_kafka_t *rk, rd_kafka_topic_t *topic, int32_t partition,
                                                const void *key, size_t key_len,
                                                const void *value, size_t value_len,
                                                rd_kafka_headers_t *headers, void *opaque) {
    if (headers) {
        return rd_kafka_producev(rk, RD_KAFKA_V_RKT(topic), RD_KAFKA_V_PARTITION(partition),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                 RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_VALUE((void *)value, value_len),
                                 RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
    }
    return rd_kafka_producev(rk, RD_KAFKA_V_RKT(topic), RD_KAFKA_V_PARTITION(partition),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_VALUE((void *)value, value_len),
                             RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
}
#endif
