import Testing
@testable import HelioEvents

/// Kafka Connect schemas (`capture.debezium_schemas`) against what Debezium 3.6.3 printed with
/// `key.converter.schemas.enable=true` and `value.converter.schemas.enable=true` in conformance
/// runs (`bench/debezium/run --helio-form debezium --schemas [--setting …]`, the records of
/// `.local/debezium/runs/*/records-debezium.jsonl`): every column of `bench/debezium/types.sql`'s
/// tables under each decimal and time mode, field by field and byte for byte, and whole records.
@Suite struct ConnectSchemaTests {
    static let mood: UInt32 = 16_390
    static let inet: UInt32 = 869

    /// `all_types` as the catalog describes it (`ColumnCatalog`).
    static let allTypes: [DebeziumColumn] = [
        .init(name: "id", typeOID: PGTypeOID.int4, optional: false),
        .init(name: "c_int2", typeOID: PGTypeOID.int2), .init(name: "c_int4", typeOID: PGTypeOID.int4),
        .init(name: "c_int8", typeOID: PGTypeOID.int8), .init(name: "c_numeric", typeOID: PGTypeOID.numeric),
        .init(name: "c_numeric_10_3", typeOID: PGTypeOID.numeric, typeModifier: 655_367),
        .init(name: "c_float4", typeOID: PGTypeOID.float4), .init(name: "c_float8", typeOID: PGTypeOID.float8),
        .init(name: "c_bool", typeOID: PGTypeOID.bool), .init(name: "c_text", typeOID: PGTypeOID.text),
        .init(name: "c_varchar", typeOID: PGTypeOID.varchar, typeModifier: 44), .init(name: "c_char", typeOID: PGTypeOID.bpchar, typeModifier: 9),
        .init(name: "c_date", typeOID: PGTypeOID.date), .init(name: "c_time", typeOID: PGTypeOID.time),
        .init(name: "c_timetz", typeOID: PGTypeOID.timetz), .init(name: "c_timestamp", typeOID: PGTypeOID.timestamp),
        .init(name: "c_timestamptz", typeOID: PGTypeOID.timestamptz), .init(name: "c_interval", typeOID: PGTypeOID.interval),
        .init(name: "c_uuid", typeOID: PGTypeOID.uuid), .init(name: "c_json", typeOID: PGTypeOID.json),
        .init(name: "c_jsonb", typeOID: PGTypeOID.jsonb), .init(name: "c_bytea", typeOID: PGTypeOID.bytea),
        .init(name: "c_int_array", typeOID: PGTypeOID.int4Array), .init(name: "c_text_array", typeOID: PGTypeOID.textArray),
        .init(name: "c_int_matrix", typeOID: PGTypeOID.int4Array),
        .init(name: "c_enum", typeOID: mood, isEnum: true, enumValues: ["sad", "ok", "happy"]),
        .init(name: "c_big", typeOID: PGTypeOID.text),
    ]

    /// `more_types`: declared precisions, a domain, arrays, types without a schema
    /// (`interval[]`, left out of the row), NOT NULL columns with and without defaults.
    static let moreTypes: [DebeziumColumn] = [
        .init(name: "id", typeOID: PGTypeOID.int4, optional: false),
        .init(name: "c_time3", typeOID: PGTypeOID.time, typeModifier: 3), .init(name: "c_ts3", typeOID: PGTypeOID.timestamp, typeModifier: 3),
        .init(name: "c_tstz3", typeOID: PGTypeOID.timestamptz, typeModifier: 3),
        .init(name: "c_tstz0", typeOID: PGTypeOID.timestamptz, typeModifier: 0),
        .init(name: "c_num10", typeOID: PGTypeOID.numeric, typeModifier: 655_364),
        .init(name: "c_domain", typeOID: PGTypeOID.numeric, typeModifier: 655_366),
        .init(name: "c_date_edge", typeOID: PGTypeOID.date), .init(name: "c_ts_edge", typeOID: PGTypeOID.timestamp),
        .init(name: "c_tstz_edge", typeOID: PGTypeOID.timestamptz),
        .init(name: "c_num_array", typeOID: PGTypeOID.numericArray, typeModifier: 393_222),
        .init(name: "c_date_array", typeOID: PGTypeOID.dateArray), .init(name: "c_tstz_array", typeOID: PGTypeOID.timestamptzArray),
        .init(name: "c_uuid_array", typeOID: PGTypeOID.uuidArray), .init(name: "c_bool_array", typeOID: PGTypeOID.boolArray),
        .init(name: "c_float_array", typeOID: PGTypeOID.float8Array), .init(name: "c_interval_array", typeOID: PGTypeOID.intervalArray),
        .init(name: "c_name", typeOID: PGTypeOID.name), .init(name: "c_inet", typeOID: inet),
        .init(name: "n_text", typeOID: PGTypeOID.text, optional: false, defaultExpression: "'fallback'::text"),
        .init(name: "n_int", typeOID: PGTypeOID.int4, optional: false, defaultExpression: "7"),
        .init(name: "n_bool", typeOID: PGTypeOID.bool, optional: false, defaultExpression: "true"),
        .init(name: "n_num", typeOID: PGTypeOID.numeric, typeModifier: 524_295, optional: false, defaultExpression: "2.5"),
        .init(name: "n_numv", typeOID: PGTypeOID.numeric, optional: false, defaultExpression: "1.50"),
        .init(name: "n_date", typeOID: PGTypeOID.date, optional: false, defaultExpression: "'2020-02-02'::date"),
        .init(name: "n_ts", typeOID: PGTypeOID.timestamp, optional: false, defaultExpression: "now()"),
        .init(name: "n_tstz", typeOID: PGTypeOID.timestamptz, optional: false, defaultExpression: "'2021-03-04 05:06:07+00'::timestamp with time zone"),
        .init(name: "n_uuid", typeOID: PGTypeOID.uuid, optional: false, defaultExpression: "gen_random_uuid()"),
        .init(name: "n_float", typeOID: PGTypeOID.float8, optional: false, defaultExpression: "1.25"),
        .init(name: "n_bytea", typeOID: PGTypeOID.bytea, optional: false, defaultExpression: "'\\x00'::bytea"),
        .init(name: "n_timetz", typeOID: PGTypeOID.timetz, optional: false, defaultExpression: "'12:00:00+00'::time with time zone"),
        .init(name: "n_interval", typeOID: PGTypeOID.interval, optional: false, defaultExpression: "'01:00:00'::interval"),
        .init(name: "n_json", typeOID: PGTypeOID.jsonb, optional: false, defaultExpression: "'{}'::jsonb"),
        .init(name: "n_mood", typeOID: mood, optional: false, defaultExpression: "'ok'::mood", isEnum: true, enumValues: ["sad", "ok", "happy"]),
        .init(name: "n_text_plain", typeOID: PGTypeOID.text, optional: false), .init(name: "n_real_plain", typeOID: PGTypeOID.float4, optional: false),
        .init(name: "n_bool_plain", typeOID: PGTypeOID.bool, optional: false), .init(name: "n_numv_plain", typeOID: PGTypeOID.numeric, optional: false),
        .init(name: "n_array_plain", typeOID: PGTypeOID.int4Array, optional: false),
    ]

    static let temporalArrays: [DebeziumColumn] = [
        .init(name: "id", typeOID: PGTypeOID.int4, optional: false),
        .init(name: "c_ts_array", typeOID: PGTypeOID.timestampArray), .init(name: "c_ts3_array", typeOID: PGTypeOID.timestampArray, typeModifier: 3),
        .init(name: "c_time_array", typeOID: PGTypeOID.timeArray), .init(name: "c_time3_array", typeOID: PGTypeOID.timeArray, typeModifier: 3),
        .init(name: "c_date_array", typeOID: PGTypeOID.dateArray), .init(name: "c_timetz_array", typeOID: PGTypeOID.timetzArray),
    ]

    /// The fields of `public.all_types`'s row struct as Debezium printed them with its default modes (run dbzconfe388360a).
    static let allTypesFields = #"""
        {"type":"int32","optional":false,"field":"id"}
        {"type":"int16","optional":true,"field":"c_int2"}
        {"type":"int32","optional":true,"field":"c_int4"}
        {"type":"int64","optional":true,"field":"c_int8"}
        {"type":"struct","fields":[{"type":"int32","optional":false,"field":"scale"},{"type":"bytes","optional":false,"field":"value"}],"optional":true,"name":"io.debezium.data.VariableScaleDecimal","version":1,"doc":"Variable scaled decimal","field":"c_numeric"}
        {"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"3","connect.decimal.precision":"10"},"field":"c_numeric_10_3"}
        {"type":"float","optional":true,"field":"c_float4"}
        {"type":"double","optional":true,"field":"c_float8"}
        {"type":"boolean","optional":true,"field":"c_bool"}
        {"type":"string","optional":true,"field":"c_text"}
        {"type":"string","optional":true,"field":"c_varchar"}
        {"type":"string","optional":true,"field":"c_char"}
        {"type":"int32","optional":true,"name":"io.debezium.time.Date","version":1,"field":"c_date"}
        {"type":"int64","optional":true,"name":"io.debezium.time.MicroTime","version":1,"field":"c_time"}
        {"type":"string","optional":true,"name":"io.debezium.time.ZonedTime","version":1,"field":"c_timetz"}
        {"type":"int64","optional":true,"name":"io.debezium.time.MicroTimestamp","version":1,"field":"c_timestamp"}
        {"type":"string","optional":true,"name":"io.debezium.time.ZonedTimestamp","version":1,"field":"c_timestamptz"}
        {"type":"int64","optional":true,"name":"io.debezium.time.MicroDuration","version":1,"field":"c_interval"}
        {"type":"string","optional":true,"name":"io.debezium.data.Uuid","version":1,"field":"c_uuid"}
        {"type":"string","optional":true,"name":"io.debezium.data.Json","version":1,"field":"c_json"}
        {"type":"string","optional":true,"name":"io.debezium.data.Json","version":1,"field":"c_jsonb"}
        {"type":"bytes","optional":true,"field":"c_bytea"}
        {"type":"array","items":{"type":"int32","optional":true},"optional":true,"field":"c_int_array"}
        {"type":"array","items":{"type":"string","optional":true},"optional":true,"field":"c_text_array"}
        {"type":"array","items":{"type":"int32","optional":true},"optional":true,"field":"c_int_matrix"}
        {"type":"string","optional":true,"name":"io.debezium.data.Enum","version":1,"parameters":{"allowed":"sad,ok,happy"},"field":"c_enum"}
        {"type":"string","optional":true,"field":"c_big"}
        """#

    /// Those that differ with `decimal.handling.mode=string`, `time.precision.mode=connect` (run dbzconf44651a3d).
    static let allTypesStringConnect = #"""
        {"type":"string","optional":true,"field":"c_numeric"}
        {"type":"string","optional":true,"field":"c_numeric_10_3"}
        {"type":"int32","optional":true,"name":"org.apache.kafka.connect.data.Date","version":1,"field":"c_date"}
        {"type":"int32","optional":true,"name":"org.apache.kafka.connect.data.Time","version":1,"field":"c_time"}
        {"type":"int64","optional":true,"name":"org.apache.kafka.connect.data.Timestamp","version":1,"field":"c_timestamp"}
        """#

    /// Those that differ with `decimal.handling.mode=double`, `time.precision.mode=adaptive_time_microseconds` (run dbzconf4d6ac051).
    static let allTypesDoubleMicroseconds = #"""
        {"type":"double","optional":true,"field":"c_numeric"}
        {"type":"double","optional":true,"field":"c_numeric_10_3"}
        """#

    /// The fields of `public.more_types`'s row struct as Debezium printed them with its default modes (run dbzconfe388360a).
    static let moreTypesFields = #"""
        {"type":"int32","optional":false,"field":"id"}
        {"type":"int32","optional":true,"name":"io.debezium.time.Time","version":1,"field":"c_time3"}
        {"type":"int64","optional":true,"name":"io.debezium.time.Timestamp","version":1,"field":"c_ts3"}
        {"type":"string","optional":true,"name":"io.debezium.time.ZonedTimestamp","version":1,"field":"c_tstz3"}
        {"type":"string","optional":true,"name":"io.debezium.time.ZonedTimestamp","version":1,"field":"c_tstz0"}
        {"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"0","connect.decimal.precision":"10"},"field":"c_num10"}
        {"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2","connect.decimal.precision":"10"},"field":"c_domain"}
        {"type":"int32","optional":true,"name":"io.debezium.time.Date","version":1,"field":"c_date_edge"}
        {"type":"int64","optional":true,"name":"io.debezium.time.MicroTimestamp","version":1,"field":"c_ts_edge"}
        {"type":"string","optional":true,"name":"io.debezium.time.ZonedTimestamp","version":1,"field":"c_tstz_edge"}
        {"type":"array","items":{"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2","connect.decimal.precision":"6"}},"optional":true,"field":"c_num_array"}
        {"type":"array","items":{"type":"int32","optional":true,"name":"io.debezium.time.Date","version":1},"optional":true,"field":"c_date_array"}
        {"type":"array","items":{"type":"string","optional":true,"name":"io.debezium.time.ZonedTimestamp","version":1},"optional":true,"field":"c_tstz_array"}
        {"type":"array","items":{"type":"string","optional":true,"name":"io.debezium.data.Uuid","version":1},"optional":true,"field":"c_uuid_array"}
        {"type":"array","items":{"type":"boolean","optional":true},"optional":true,"field":"c_bool_array"}
        {"type":"array","items":{"type":"double","optional":true},"optional":true,"field":"c_float_array"}
        {"type":"string","optional":true,"field":"c_name"}
        {"type":"string","optional":true,"field":"c_inet"}
        {"type":"string","optional":false,"default":"fallback","field":"n_text"}
        {"type":"int32","optional":false,"default":7,"field":"n_int"}
        {"type":"boolean","optional":false,"default":true,"field":"n_bool"}
        {"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"3","connect.decimal.precision":"8"},"default":"CcQ=","field":"n_num"}
        {"type":"struct","fields":[{"type":"int32","optional":false,"field":"scale"},{"type":"bytes","optional":false,"field":"value"}],"optional":false,"name":"io.debezium.data.VariableScaleDecimal","version":1,"doc":"Variable scaled decimal","field":"n_numv"}
        {"type":"int32","optional":false,"name":"io.debezium.time.Date","version":1,"default":18294,"field":"n_date"}
        {"type":"int64","optional":false,"name":"io.debezium.time.MicroTimestamp","version":1,"default":0,"field":"n_ts"}
        {"type":"string","optional":false,"name":"io.debezium.time.ZonedTimestamp","version":1,"default":"2021-03-04T05:06:07.000000Z","field":"n_tstz"}
        {"type":"string","optional":false,"name":"io.debezium.data.Uuid","version":1,"default":"00000000-0000-0000-0000-000000000000","field":"n_uuid"}
        {"type":"double","optional":false,"default":1.25,"field":"n_float"}
        {"type":"bytes","optional":false,"field":"n_bytea"}
        {"type":"string","optional":false,"name":"io.debezium.time.ZonedTime","version":1,"field":"n_timetz"}
        {"type":"int64","optional":false,"name":"io.debezium.time.MicroDuration","version":1,"default":3600000000,"field":"n_interval"}
        {"type":"string","optional":false,"name":"io.debezium.data.Json","version":1,"default":"{}","field":"n_json"}
        {"type":"string","optional":false,"name":"io.debezium.data.Enum","version":1,"parameters":{"allowed":"sad,ok,happy"},"default":"ok","field":"n_mood"}
        {"type":"string","optional":false,"field":"n_text_plain"}
        {"type":"float","optional":false,"field":"n_real_plain"}
        {"type":"boolean","optional":false,"field":"n_bool_plain"}
        {"type":"struct","fields":[{"type":"int32","optional":false,"field":"scale"},{"type":"bytes","optional":false,"field":"value"}],"optional":false,"name":"io.debezium.data.VariableScaleDecimal","version":1,"doc":"Variable scaled decimal","field":"n_numv_plain"}
        {"type":"array","items":{"type":"int32","optional":true},"optional":false,"field":"n_array_plain"}
        """#

    /// Those that differ with `decimal.handling.mode=string`, `time.precision.mode=connect` (run dbzconf44651a3d).
    static let moreTypesStringConnect = #"""
        {"type":"int32","optional":true,"name":"org.apache.kafka.connect.data.Time","version":1,"field":"c_time3"}
        {"type":"int64","optional":true,"name":"org.apache.kafka.connect.data.Timestamp","version":1,"field":"c_ts3"}
        {"type":"string","optional":true,"field":"c_num10"}
        {"type":"string","optional":true,"field":"c_domain"}
        {"type":"int32","optional":true,"name":"org.apache.kafka.connect.data.Date","version":1,"field":"c_date_edge"}
        {"type":"int64","optional":true,"name":"org.apache.kafka.connect.data.Timestamp","version":1,"field":"c_ts_edge"}
        {"type":"array","items":{"type":"string","optional":true},"optional":true,"field":"c_num_array"}
        {"type":"array","items":{"type":"int32","optional":true,"name":"org.apache.kafka.connect.data.Date","version":1},"optional":true,"field":"c_date_array"}
        {"type":"string","optional":false,"default":"2.500","field":"n_num"}
        {"type":"string","optional":false,"default":"1.50","field":"n_numv"}
        {"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Date","version":1,"default":18294,"field":"n_date"}
        {"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1,"default":0,"field":"n_ts"}
        {"type":"string","optional":false,"field":"n_numv_plain"}
        """#

    /// Those that differ with `decimal.handling.mode=double`, `time.precision.mode=adaptive_time_microseconds` (run dbzconf4d6ac051).
    static let moreTypesDoubleMicroseconds = #"""
        {"type":"int64","optional":true,"name":"io.debezium.time.MicroTime","version":1,"field":"c_time3"}
        {"type":"double","optional":true,"field":"c_num10"}
        {"type":"double","optional":true,"field":"c_domain"}
        {"type":"array","items":{"type":"double","optional":true},"optional":true,"field":"c_num_array"}
        {"type":"double","optional":false,"default":2.5,"field":"n_num"}
        {"type":"double","optional":false,"default":1.5,"field":"n_numv"}
        {"type":"double","optional":false,"field":"n_numv_plain"}
        """#

    /// The fields of `public.temporal_arrays`'s row struct as Debezium printed them with its default modes (run dbzconfe388360a).
    static let temporalArraysFields = #"""
        {"type":"int32","optional":false,"field":"id"}
        {"type":"array","items":{"type":"int64","optional":true,"name":"io.debezium.time.MicroTimestamp","version":1},"optional":true,"field":"c_ts_array"}
        {"type":"array","items":{"type":"int64","optional":true,"name":"io.debezium.time.Timestamp","version":1},"optional":true,"field":"c_ts3_array"}
        {"type":"array","items":{"type":"int64","optional":true,"name":"io.debezium.time.MicroTime","version":1},"optional":true,"field":"c_time_array"}
        {"type":"array","items":{"type":"int32","optional":true,"name":"io.debezium.time.Time","version":1},"optional":true,"field":"c_time3_array"}
        {"type":"array","items":{"type":"int32","optional":true,"name":"io.debezium.time.Date","version":1},"optional":true,"field":"c_date_array"}
        {"type":"array","items":{"type":"string","optional":true,"name":"io.debezium.time.ZonedTime","version":1},"optional":true,"field":"c_timetz_array"}
        """#

    /// Those that differ with `decimal.handling.mode=string`, `time.precision.mode=connect` (run dbzconf44651a3d).
    static let temporalArraysStringConnect = #"""
        {"type":"array","items":{"type":"int64","optional":true,"name":"org.apache.kafka.connect.data.Timestamp","version":1},"optional":true,"field":"c_ts_array"}
        {"type":"array","items":{"type":"int64","optional":true,"name":"org.apache.kafka.connect.data.Timestamp","version":1},"optional":true,"field":"c_ts3_array"}
        {"type":"array","items":{"type":"int32","optional":true,"name":"org.apache.kafka.connect.data.Time","version":1},"optional":true,"field":"c_time_array"}
        {"type":"array","items":{"type":"int32","optional":true,"name":"org.apache.kafka.connect.data.Time","version":1},"optional":true,"field":"c_time3_array"}
        {"type":"array","items":{"type":"int32","optional":true,"name":"org.apache.kafka.connect.data.Date","version":1},"optional":true,"field":"c_date_array"}
        """#

    /// Those that differ with `decimal.handling.mode=double`, `time.precision.mode=adaptive_time_microseconds` (run dbzconf4d6ac051).
    static let temporalArraysDoubleMicroseconds = #"""
        {"type":"array","items":{"type":"int64","optional":true,"name":"io.debezium.time.MicroTime","version":1},"optional":true,"field":"c_time3_array"}
        """#

    /// A delete of `composite_key` (its old key, from a key change): key and value as Debezium printed them.
    static let deleteKey = #"{"schema":{"type":"struct","fields":[{"type":"string","optional":false,"field":"region"},{"type":"int32","optional":false,"field":"seq"}],"optional":false,"name":"dbzconfe388360ad.public.composite_key.Key"},"payload":{"region":"south","seq":1}}"#

    static let deleteValue = #"{"schema":{"type":"struct","fields":[{"type":"struct","fields":[{"type":"string","optional":false,"field":"region"},{"type":"int32","optional":false,"field":"seq"},{"type":"string","optional":true,"field":"note"}],"optional":true,"name":"dbzconfe388360ad.public.composite_key.Value","field":"before"},{"type":"struct","fields":[{"type":"string","optional":false,"field":"region"},{"type":"int32","optional":false,"field":"seq"},{"type":"string","optional":true,"field":"note"}],"optional":true,"name":"dbzconfe388360ad.public.composite_key.Value","field":"after"},{"type":"struct","fields":[{"type":"string","optional":false,"field":"version"},{"type":"string","optional":false,"field":"connector"},{"type":"string","optional":false,"field":"name"},{"type":"int64","optional":false,"field":"ts_ms"},{"type":"string","optional":true,"name":"io.debezium.data.Enum","version":1,"parameters":{"allowed":"true,first,first_in_data_collection,last_in_data_collection,last,false,incremental"},"default":"false","field":"snapshot"},{"type":"string","optional":false,"field":"db"},{"type":"string","optional":true,"field":"sequence"},{"type":"int64","optional":true,"field":"ts_us"},{"type":"int64","optional":true,"field":"ts_ns"},{"type":"string","optional":false,"field":"schema"},{"type":"string","optional":false,"field":"table"},{"type":"int64","optional":true,"field":"txId"},{"type":"int64","optional":true,"field":"lsn"},{"type":"int64","optional":true,"field":"xmin"},{"type":"string","optional":true,"field":"origin"},{"type":"int64","optional":true,"field":"origin_lsn"}],"optional":false,"name":"io.debezium.connector.postgresql.Source","version":1,"field":"source"},{"type":"struct","fields":[{"type":"string","optional":false,"field":"id"},{"type":"int64","optional":false,"field":"total_order"},{"type":"int64","optional":false,"field":"data_collection_order"}],"optional":true,"name":"event.block","version":1,"field":"transaction"},{"type":"string","optional":false,"field":"op"},{"type":"int64","optional":true,"field":"ts_ms"},{"type":"int64","optional":true,"field":"ts_us"},{"type":"int64","optional":true,"field":"ts_ns"}],"optional":false,"name":"dbzconfe388360ad.public.composite_key.Envelope","version":2},"payload":{"before":{"region":"south","seq":1,"note":null},"after":null,"source":{"version":"3.6.3.Final","connector":"postgresql","name":"dbzconfe388360ad","ts_ms":1796598768121,"snapshot":"false","db":"dbzconfe388360a","sequence":"[\"57257322360\",\"57258060048\"]","ts_us":1796598768121002,"ts_ns":1796598768121002000,"schema":"public","table":"composite_key","txId":302759,"lsn":57258060048,"xmin":null,"origin":null,"origin_lsn":null},"transaction":{"id":"302759:57258060048","total_order":3010,"data_collection_order":1},"op":"d","ts_ms":1796598776039,"ts_us":1796598776039572,"ts_ns":1796598776039572320}}"#

    /// A transaction's BEGIN and END, keys and values.
    static let beginKey = #"{"schema":{"type":"struct","fields":[{"type":"string","optional":false,"field":"id"}],"optional":false,"name":"io.debezium.connector.common.TransactionMetadataKey","version":1},"payload":{"id":"302735:57257294256"}}"#

    static let beginValue = #"{"schema":{"type":"struct","fields":[{"type":"string","optional":false,"field":"status"},{"type":"string","optional":false,"field":"id"},{"type":"int64","optional":true,"field":"event_count"},{"type":"array","items":{"type":"struct","fields":[{"type":"string","optional":false,"field":"data_collection"},{"type":"int64","optional":false,"field":"event_count"}],"optional":true,"name":"event.collection","version":1},"optional":true,"field":"data_collections"},{"type":"int64","optional":false,"field":"ts_ms"}],"optional":false,"name":"io.debezium.connector.common.TransactionMetadataValue","version":1},"payload":{"status":"BEGIN","id":"302735:57257294256","event_count":null,"data_collections":null,"ts_ms":1796598768071}}"#

    static let endKey = #"{"schema":{"type":"struct","fields":[{"type":"string","optional":false,"field":"id"}],"optional":false,"name":"io.debezium.connector.common.TransactionMetadataKey","version":1},"payload":{"id":"302735:57257294504"}}"#

    static let endValue = #"{"schema":{"type":"struct","fields":[{"type":"string","optional":false,"field":"status"},{"type":"string","optional":false,"field":"id"},{"type":"int64","optional":true,"field":"event_count"},{"type":"array","items":{"type":"struct","fields":[{"type":"string","optional":false,"field":"data_collection"},{"type":"int64","optional":false,"field":"event_count"}],"optional":true,"name":"event.collection","version":1},"optional":true,"field":"data_collections"},{"type":"int64","optional":false,"field":"ts_ms"}],"optional":false,"name":"io.debezium.connector.common.TransactionMetadataValue","version":1},"payload":{"status":"END","id":"302735:57257294504","event_count":1,"data_collections":[{"data_collection":"public.key_types","event_count":1}],"ts_ms":1796598768071}}"#

    /// A transactional logical decoding message.
    static let messageKey = #"{"schema":{"type":"struct","fields":[{"type":"string","optional":true,"field":"prefix"}],"optional":false,"name":"io.debezium.connector.postgresql.MessageKey","version":1},"payload":{"prefix":"conformance-streamed"}}"#

    static let messageValue = #"{"schema":{"type":"struct","fields":[{"type":"string","optional":false,"field":"op"},{"type":"int64","optional":true,"field":"ts_ms"},{"type":"struct","fields":[{"type":"string","optional":false,"field":"version"},{"type":"string","optional":false,"field":"connector"},{"type":"string","optional":false,"field":"name"},{"type":"int64","optional":false,"field":"ts_ms"},{"type":"string","optional":true,"name":"io.debezium.data.Enum","version":1,"parameters":{"allowed":"true,first,first_in_data_collection,last_in_data_collection,last,false,incremental"},"default":"false","field":"snapshot"},{"type":"string","optional":false,"field":"db"},{"type":"string","optional":true,"field":"sequence"},{"type":"int64","optional":true,"field":"ts_us"},{"type":"int64","optional":true,"field":"ts_ns"},{"type":"string","optional":false,"field":"schema"},{"type":"string","optional":false,"field":"table"},{"type":"int64","optional":true,"field":"txId"},{"type":"int64","optional":true,"field":"lsn"},{"type":"int64","optional":true,"field":"xmin"},{"type":"string","optional":true,"field":"origin"},{"type":"int64","optional":true,"field":"origin_lsn"}],"optional":false,"name":"io.debezium.connector.postgresql.Source","version":1,"field":"source"},{"type":"struct","fields":[{"type":"string","optional":false,"field":"id"},{"type":"int64","optional":false,"field":"total_order"},{"type":"int64","optional":false,"field":"data_collection_order"}],"optional":true,"name":"event.block","version":1,"field":"transaction"},{"type":"struct","fields":[{"type":"string","optional":true,"field":"prefix"},{"type":"bytes","optional":true,"field":"content"}],"optional":false,"name":"io.debezium.connector.postgresql.Message","version":1,"field":"message"}],"optional":false,"name":"io.debezium.connector.postgresql.MessageValue","version":1},"payload":{"op":"m","ts_ms":1796598776039,"source":{"version":"3.6.3.Final","connector":"postgresql","name":"dbzconfe388360ad","ts_ms":1796598768121,"snapshot":"false","db":"dbzconfe388360a","sequence":"[\"57257322360\",\"57258060328\"]","ts_us":1796598768121002,"ts_ns":1796598768121002000,"schema":"","table":"","txId":302759,"lsn":57258060328,"xmin":null,"origin":null,"origin_lsn":null},"transaction":{"id":"302759:57258060328","total_order":3012,"data_collection_order":1},"message":{"prefix":"conformance-streamed","content":"aW5zaWRlIGEgc3RyZWFtZWQgdHJhbnNhY3Rpb24="}}}"#

    enum Mode: String, CaseIterable, Sendable {
        case defaults, stringConnect, doubleMicroseconds

        var settings: DebeziumSettings {
            switch self {
            case .defaults: .defaults
            case .stringConnect: DebeziumSettings(decimalHandling: .string, timePrecision: .connect)
            case .doubleMicroseconds: DebeziumSettings(decimalHandling: .double, timePrecision: .adaptiveTimeMicroseconds)
            }
        }

        /// Each table's columns, its fields with the default modes, and those the mode changes.
        var tables: [(name: String, columns: [DebeziumColumn], fields: String, changed: String)] {
            switch self {
            case .defaults:
                [("all_types", allTypes, allTypesFields, ""), ("more_types", moreTypes, moreTypesFields, ""),
                 ("temporal_arrays", temporalArrays, temporalArraysFields, "")]
            case .stringConnect:
                [("all_types", allTypes, allTypesFields, allTypesStringConnect), ("more_types", moreTypes, moreTypesFields, moreTypesStringConnect),
                 ("temporal_arrays", temporalArrays, temporalArraysFields, temporalArraysStringConnect)]
            case .doubleMicroseconds:
                [("all_types", allTypes, allTypesFields, allTypesDoubleMicroseconds),
                 ("more_types", moreTypes, moreTypesFields, moreTypesDoubleMicroseconds),
                 ("temporal_arrays", temporalArrays, temporalArraysFields, temporalArraysDoubleMicroseconds)]
            }
        }
    }

    static func lines(_ text: String) -> [String] { text.split(separator: "\n").map(String.init) }

    static func fieldName(_ field: String) -> String {
        (try? JSONValue.parse(field))?.objectValue?["field"]?.stringValue ?? field
    }

    /// Debezium's fields with the mode's changes in place.
    static func expected(_ fields: String, changed: String) -> [String] {
        let changes = Dictionary(lines(changed).map { (fieldName($0), $0) }, uniquingKeysWith: { first, _ in first })
        return lines(fields).map { changes[fieldName($0)] ?? $0 }
    }

    /// Helio's fields: the columns Debezium has a schema for, each as `ConnectSchema` writes it.
    static func written(_ columns: [DebeziumColumn], settings: DebeziumSettings) -> [String] {
        columns.filter { DebeziumValues.isIncluded(typeOID: $0.typeOID) }.map { column in
            var buffer: [UInt8] = []
            ConnectSchema.writeField(column, settings: settings, into: &buffer)
            return String(decoding: buffer, as: UTF8.self)
        }
    }

    @Test("every column of types.sql's tables, byte for byte, in each decimal and time mode", arguments: Mode.allCases)
    func everyColumn(_ mode: Mode) {
        for table in mode.tables {
            let expected = Self.expected(table.fields, changed: table.changed)
            let written = Self.written(table.columns, settings: mode.settings)
            #expect(written.map(Self.fieldName) == expected.map(Self.fieldName), "\(table.name): the same columns in the same order")
            for (helio, debezium) in zip(written, expected) {
                #expect(helio == debezium, "\(table.name).\(Self.fieldName(debezium)) (\(mode))")
            }
        }
    }

    /// The row struct, written once per table, is the same in `before` and `after`.
    @Test func theRowStructAndTheEnvelope() throws {
        let envelope = ConnectSchema.envelope(namePrefix: "p.public.all_types", columns: Self.allTypes)
        let schema = try #require(try JSONValue.parse(envelope).objectValue)
        #expect(schema["name"]?.stringValue == "p.public.all_types.Envelope")
        #expect(schema["version"]?.int64Value == 2)
        let fields = try #require(schema["fields"]?.arrayValue)
        #expect(fields.compactMap { $0.objectValue?["field"]?.stringValue } == ["before", "after", "source", "transaction", "op", "ts_ms", "ts_us", "ts_ns"])
        #expect(fields[0].objectValue?["name"]?.stringValue == "p.public.all_types.Value")
        #expect(fields[0].objectValue?["fields"] == fields[1].objectValue?["fields"])
    }

    @Test func aWholeChangeRecordAndItsKey() {
        let columns = [DebeziumColumn(name: "region", typeOID: PGTypeOID.text, optional: false),
                       DebeziumColumn(name: "seq", typeOID: PGTypeOID.int4, optional: false),
                       DebeziumColumn(name: "note", typeOID: PGTypeOID.text)]
        let keySchema = ConnectSchema.key(name: "dbzconfe388360ad.public.composite_key.Key", columns: Array(columns.prefix(2)))
        let key = ConnectRecord.wrap(RecordKey([("region", "south"), ("seq", 1)]).encoded(), prefix: ConnectRecord.prefix(schema: keySchema))
        #expect(String(decoding: key, as: UTF8.self) == Self.deleteKey)

        let payload = DebeziumEnvelope.encode(
            before: JSONObject([("region", "south"), ("seq", 1), ("note", .null)]), after: nil,
            source: DebeziumSource(version: "3.6.3.Final", name: "dbzconfe388360ad", db: "dbzconfe388360a", schema: "public",
                                   table: "composite_key", tsUs: 1_796_598_768_121_002, lastCommitLSN: 57_257_322_360, txId: 302_759,
                                   lsn: 57_258_060_048),
            transaction: .init(txId: 302_759, lsn: 57_258_060_048, totalOrder: 3010, dataCollectionOrder: 1),
            op: .delete, time: .init(nanos: 1_796_598_776_039_572_320))
        let envelope = ConnectSchema.envelope(namePrefix: "dbzconfe388360ad.public.composite_key", columns: columns)
        let value = ConnectRecord.wrap(payload, prefix: ConnectRecord.prefix(schema: envelope))
        #expect(String(decoding: value, as: UTF8.self) == Self.deleteValue)
    }

    @Test func transactionEvents() {
        func record(_ payload: [UInt8], _ schema: StaticString) -> String {
            String(decoding: ConnectRecord.wrap(payload, prefix: ConnectRecord.prefix(schema: schema)), as: UTF8.self)
        }
        let begin = TransactionEvent(status: .begin, id: "302735:57257294256", eventCount: nil, dataCollections: [], tsMs: 1_796_598_768_071)
        #expect(record(RecordKey([("id", .string(begin.id))]).encoded(), ConnectSchema.transactionKey) == Self.beginKey)
        #expect(record(DebeziumEnvelope.transactionEvent(begin), ConnectSchema.transactionValue) == Self.beginValue)
        let end = TransactionEvent(status: .end, id: "302735:57257294504", eventCount: 1,
                                   dataCollections: [.init(collection: "public.key_types", eventCount: 1)], tsMs: 1_796_598_768_071)
        #expect(record(RecordKey([("id", .string(end.id))]).encoded(), ConnectSchema.transactionKey) == Self.endKey)
        #expect(record(DebeziumEnvelope.transactionEvent(end), ConnectSchema.transactionValue) == Self.endValue)
    }

    @Test func aLogicalDecodingMessage() {
        let source = DebeziumSource(version: "3.6.3.Final", name: "dbzconfe388360ad", db: "dbzconfe388360a", schema: "", table: "",
                                    tsUs: 1_796_598_768_121_002, lastCommitLSN: 57_257_322_360, txId: 302_759, lsn: 57_258_060_328)
        let value = DebeziumEnvelope.message(prefix: "conformance-streamed", content: Array("inside a streamed transaction".utf8), source: source,
                                             transaction: .init(txId: 302_759, lsn: 57_258_060_328, totalOrder: 3012, dataCollectionOrder: 1),
                                             timeMillis: 1_796_598_776_039)
        let key = DebeziumEnvelope.messageKey(prefix: "conformance-streamed")
        #expect(String(decoding: ConnectRecord.wrap(key, prefix: ConnectRecord.prefix(schema: ConnectSchema.messageKey)), as: UTF8.self) == Self.messageKey)
        #expect(String(decoding: ConnectRecord.wrap(value, prefix: ConnectRecord.prefix(schema: ConnectSchema.messageValue)), as: UTF8.self)
                == Self.messageValue)
    }

    /// NULL-able columns with defaults (`more_types.o_*`, run dbzconf5cb0e28a): the schema carries
    /// the default, and Debezium writes it in place of a null (JsonConverter's
    /// `replace.null.with.default`), in an explicit NULL as in a delete's `before`.
    @Test func nullableColumnsWithDefaults() {
        let columns = [DebeziumColumn(name: "o_text", typeOID: PGTypeOID.text, defaultExpression: "'optional'::text"),
                       DebeziumColumn(name: "o_int", typeOID: PGTypeOID.int4, defaultExpression: "3"),
                       DebeziumColumn(name: "o_num", typeOID: PGTypeOID.numeric, typeModifier: 393_222, defaultExpression: "1.5"),
                       DebeziumColumn(name: "o_tstz", typeOID: PGTypeOID.timestamptz, defaultExpression: "now()")]
        #expect(Self.written(columns, settings: .defaults) == Self.lines(#"""
            {"type":"string","optional":true,"default":"optional","field":"o_text"}
            {"type":"int32","optional":true,"default":3,"field":"o_int"}
            {"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2","connect.decimal.precision":"6"},"default":"AJY=","field":"o_num"}
            {"type":"string","optional":true,"name":"io.debezium.time.ZonedTimestamp","version":1,"default":"1970-01-01T00:00:00.000000Z","field":"o_tstz"}
            """#))
        // UPDATE … SET o_text = NULL, o_int = NULL, o_num = NULL, o_tstz = NULL: Debezium's `after`.
        #expect(columns.map { DebeziumValues.absentValue(for: $0) } == [.string("optional"), .integer(3), .string("AJY="),
                                                                       .string("1970-01-01T00:00:00.000000Z")])
        #expect(DebeziumValues.absentValue(for: DebeziumColumn(name: "o_plain", typeOID: PGTypeOID.text)) == nil)
    }

    /// Readers (apply, capture's broker-loss guard) take the payload and skip the schema.
    @Test func readersTakeThePayload() throws {
        let value = Array(Self.deleteValue.utf8)
        let range = try #require(ConnectRecord.payloadRange(value))
        let payload = try JSONValue.parse(value[range])
        #expect(payload.objectValue?["op"]?.stringValue == "d")
        #expect(payload.objectValue?["before"]?.objectValue?["region"]?.stringValue == "south")
        #expect(ConnectRecord.payloadRange(Array(#"{"before":null,"after":null}"#.utf8)) == nil)
        #expect(ConnectRecord.payloadRange(Array(#"{"schema":{},"payload":{}} x"#.utf8)) == nil)
        #expect(ConnectRecord.payloadRange(Array(#"{"schema":{"type":},"payload":{}}"#.utf8)) == nil)
        #expect(ConnectRecord.payloadRange(Array(#" { "schema" : null , "payload" : [1] } "#.utf8)).map { Array(#" { "schema" : null , "payload" : [1] } "#.utf8)[$0] } == Array("[1]".utf8)[...])

        let key = try RecordKey.decode(Array(Self.deleteKey.utf8))
        #expect(key.columns["region"]?.stringValue == "south" && key.columns["seq"]?.int64Value == 1 && key.columns.count == 2)
        let end = try TransactionEvent.decode(Array(Self.endValue.utf8))
        #expect(end.status == .end && end.id == "302735:57257294504" && end.eventCount == 1)
        // Helio's own form and schemas-off records read as before.
        #expect(try RecordKey.decode(Array(#"{"id":7}"#.utf8)).id == 7)
    }
}
