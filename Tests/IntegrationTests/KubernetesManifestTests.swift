import Foundation
import HelioTestSupport
import Testing
import Yams

/// deploy/kubernetes/ read as the API server would see it (without a cluster): the
/// disruption budgets, network policies and the ServiceMonitor select the pods and Services
/// the Deployments make, and every one of them agrees on the metrics port.
@Suite("Kubernetes manifests")
struct KubernetesManifestTests {
    typealias Object = [String: Any]

    static let files = ["configmap", "capture", "apply", "apply-hpa.example", "network-policy", "service-monitor", "jobs.example", "secret.example"]

    static func objects() throws -> [Object] {
        try files.flatMap { name -> [Object] in
            let url = LocalStack.repositoryRoot.appendingPathComponent("deploy/kubernetes/\(name).yaml")
            var documents = try Yams.load_all(yaml: String(contentsOf: url, encoding: .utf8))
            var objects: [Object] = []
            while let document = documents.next() {
                if let object = document as? Object { objects.append(object) }
            }
            if let error = documents.error { throw error }
            return objects
        }
    }

    static func find(_ objects: [Object], kind: String, component: String? = nil) -> [Object] {
        objects.filter { object in
            object["kind"] as? String == kind
                && (component == nil || labels(object["metadata"])["app.kubernetes.io/component"] == component)
        }
    }

    static func labels(_ metadata: Any?) -> [String: String] {
        ((metadata as? Object)?["labels"] as? [String: Any])?.compactMapValues { $0 as? String } ?? [:]
    }

    static func value(_ object: Any?, _ path: String...) -> Any? {
        path.reduce(object) { ($0 as? Object)?[$1] }
    }

    static func matchLabels(_ selector: Any?) -> [String: String] {
        (value(selector, "matchLabels") as? [String: Any])?.compactMapValues { $0 as? String } ?? [:]
    }

    /// `labels` satisfies a selector's matchLabels and its `In` expressions.
    static func selects(_ selector: Any?, _ labels: [String: String]) -> Bool {
        guard matchLabels(selector).allSatisfy({ labels[$0.key] == $0.value }) else { return false }
        let expressions = value(selector, "matchExpressions") as? [Object] ?? []
        return expressions.allSatisfy { expression in
            guard expression["operator"] as? String == "In", let key = expression["key"] as? String,
                  let values = expression["values"] as? [String] else { return false }
            return labels[key].map(values.contains) ?? false
        }
    }

    static func podLabels(_ deployment: Object) -> [String: String] {
        labels(value(deployment, "spec", "template", "metadata"))
    }

    static func metricsPort(_ deployment: Object) -> Int? {
        let containers = value(deployment, "spec", "template", "spec", "containers") as? [Object] ?? []
        let ports = containers.flatMap { $0["ports"] as? [Object] ?? [] }
        return ports.first { $0["name"] as? String == "metrics" }?["containerPort"] as? Int
    }

    /// Issue #13 item 1: the example runs two captures of the slot, one streaming, one standing by.
    @Test("capture runs two replicas that stand by for each other on a shared spool, recreated together")
    func captureStandsBy() throws {
        let objects = try Self.objects()
        let deployment = try #require(Self.find(objects, kind: "Deployment", component: "capture").first)
        #expect(Self.value(deployment, "spec", "replicas") as? Int == 2)
        // a new pod stands by (never ready) while an old one streams: a rolling update would hang
        #expect(Self.value(deployment, "spec", "strategy", "type") as? String == "Recreate")
        let containers = Self.value(deployment, "spec", "template", "spec", "containers") as? [Object] ?? []
        let env = containers.flatMap { $0["env"] as? [Object] ?? [] }
        #expect(env.contains { $0["name"] as? String == "HELIO_CAPTURE_STANDBY" && $0["value"] as? String == "true" })
        let claim = try #require(Self.find(objects, kind: "PersistentVolumeClaim", component: "capture").first)
        #expect(Self.value(claim, "spec", "accessModes") as? [String] == ["ReadWriteMany"], "both replicas mount the spool")
        let volumes = Self.value(deployment, "spec", "template", "spec", "volumes") as? [Object] ?? []
        #expect(volumes.contains { Self.value($0, "persistentVolumeClaim", "claimName") as? String == Self.value(claim, "metadata", "name") as? String })
        let service = try #require(Self.find(objects, kind: "Service", component: "capture").first)
        #expect(Self.value(service, "spec", "publishNotReadyAddresses") as? Bool == true, "the standby's metrics are scraped")
    }

    @Test("each component has a PodDisruptionBudget selecting its pods that never blocks a drain")
    func disruptionBudgets() throws {
        let objects = try Self.objects()
        for component in ["capture", "apply"] {
            let deployment = try #require(Self.find(objects, kind: "Deployment", component: component).first, "\(component)")
            let budgets = Self.find(objects, kind: "PodDisruptionBudget", component: component)
            #expect(budgets.count == 1, "\(component): one PodDisruptionBudget")
            guard let budget = budgets.first else { continue }
            #expect(budget["apiVersion"] as? String == "policy/v1")
            let selector = Self.value(budget, "spec", "selector")
            #expect(Self.selects(selector, Self.podLabels(deployment)), "\(component): the budget does not select the pods")
            #expect(Self.matchLabels(selector) == Self.matchLabels(Self.value(deployment, "spec", "selector")),
                    "\(component): the budget selects other pods than the Deployment")
            // One replica of capture: minAvailable 1 would make every node drain wait forever.
            #expect(Self.value(budget, "spec", "minAvailable") == nil, "\(component)")
            #expect((Self.value(budget, "spec", "maxUnavailable") as? Int ?? 0) >= 1, "\(component)")
        }
    }

    @Test("each component has a NetworkPolicy: metrics in from the monitoring namespace; DNS, Kafka and PostgreSQL out")
    func networkPolicies() throws {
        let objects = try Self.objects()
        for component in ["capture", "apply"] {
            let deployment = try #require(Self.find(objects, kind: "Deployment", component: component).first, "\(component)")
            let policy = try #require(Self.find(objects, kind: "NetworkPolicy", component: component).first, "\(component): no NetworkPolicy")
            #expect(Self.selects(Self.value(policy, "spec", "podSelector"), Self.podLabels(deployment)), "\(component)")
            #expect(Self.value(policy, "spec", "policyTypes") as? [String] == ["Ingress", "Egress"], "\(component)")

            let ingress = Self.value(policy, "spec", "ingress") as? [Object] ?? []
            #expect(ingress.count == 1, "\(component): only the metrics port is open")
            let ingressPorts = ingress.flatMap { $0["ports"] as? [Object] ?? [] }.compactMap { $0["port"] as? Int }
            #expect(ingressPorts == [Self.metricsPort(deployment)].compactMap { $0 }, "\(component): \(ingressPorts)")
            let sources = ingress.flatMap { $0["from"] as? [Object] ?? [] }
            #expect(sources.map { Self.matchLabels($0["namespaceSelector"]) } == [["kubernetes.io/metadata.name": "monitoring"]], "\(component)")

            let egressPorts = Set((Self.value(policy, "spec", "egress") as? [Object] ?? [])
                .flatMap { $0["ports"] as? [Object] ?? [] }
                .compactMap { port in (port["port"] as? Int).map { "\(port["protocol"] as? String ?? "TCP")/\($0)" } })
            #expect(egressPorts == ["UDP/53", "TCP/53", "TCP/9092", "TCP/5432"], "\(component): \(egressPorts.sorted())")
        }
    }

    @Test("the ServiceMonitor scrapes both metrics Services on their metrics port")
    func serviceMonitor() throws {
        let objects = try Self.objects()
        let monitor = try #require(Self.find(objects, kind: "ServiceMonitor").first, "no ServiceMonitor")
        #expect(monitor["apiVersion"] as? String == "monitoring.coreos.com/v1")
        let endpoints = Self.value(monitor, "spec", "endpoints") as? [Object] ?? []
        #expect(endpoints.map { $0["port"] as? String } == ["metrics"])
        #expect(endpoints.first?["path"] as? String == "/metrics")
        for component in ["capture", "apply"] {
            let service = try #require(Self.find(objects, kind: "Service", component: component).first, "\(component): no Service")
            #expect(Self.selects(Self.value(monitor, "spec", "selector"), Self.labels(service["metadata"])),
                    "the ServiceMonitor does not select \(component)'s Service")
            let ports = Self.value(service, "spec", "ports") as? [Object] ?? []
            #expect(ports.contains { $0["name"] as? String == "metrics" }, "\(component): no port named metrics")
        }
        // The alerts find the scrape jobs by name: job="helio-capture", job="helio-apply".
        let jobLabel = try #require(Self.value(monitor, "spec", "jobLabel") as? String, "no jobLabel: job would be the Service's name")
        let alerts = try String(contentsOf: LocalStack.repositoryRoot.appendingPathComponent("deploy/monitoring/helio-alerts.yml"), encoding: .utf8)
        for component in ["capture", "apply"] {
            let service = try #require(Self.find(objects, kind: "Service", component: component).first)
            let job = Self.labels(service["metadata"])[jobLabel]
            #expect(job == "helio-\(component)", "\(component): job label \(String(describing: job))")
            #expect(alerts.contains("up{job=\"helio-\(component)\"}"), "the alerts do not name job helio-\(component)")
        }
        // Nothing else: a Job's pods have no Service, and no other Service carries the labels.
        let selected = Self.find(objects, kind: "Service").filter { Self.selects(Self.value(monitor, "spec", "selector"), Self.labels($0["metadata"])) }
        #expect(selected.count == 2)
    }

    @Test("the metrics port is the same in the ConfigMap, the containers, the annotations and the Services")
    func metricsPortAgrees() throws {
        let objects = try Self.objects()
        let configMap = try #require(Self.find(objects, kind: "ConfigMap").first)
        let address = try #require(Self.value(configMap, "data", "HELIO_METRICS_ADDR") as? String)
        let port = try #require(address.split(separator: ":").last.flatMap { Int($0) })
        for component in ["capture", "apply"] {
            let deployment = try #require(Self.find(objects, kind: "Deployment", component: component).first)
            #expect(Self.metricsPort(deployment) == port, "\(component)")
            let annotations = Self.value(deployment, "spec", "template", "metadata", "annotations") as? [String: Any]
            #expect(annotations?["prometheus.io/port"] as? String == "\(port)", "\(component)")
            let service = try #require(Self.find(objects, kind: "Service", component: component).first)
            let ports = Self.value(service, "spec", "ports") as? [Object] ?? []
            #expect(ports.first { $0["name"] as? String == "metrics" }?["port"] as? Int == port, "\(component)")
        }
    }

    /// A Deployment's container variable, else the ConfigMap's (what `envFrom` gives it).
    static func setting(_ name: String, of deployment: Object, in objects: [Object]) -> String? {
        let containers = value(deployment, "spec", "template", "spec", "containers") as? [Object] ?? []
        if let own = containers.flatMap({ $0["env"] as? [Object] ?? [] }).first(where: { $0["name"] as? String == name }) {
            return own["value"] as? String
        }
        let maps = containers.flatMap { $0["envFrom"] as? [Object] ?? [] }.compactMap { value($0, "configMapRef", "name") as? String }
        return find(objects, kind: "ConfigMap").filter { maps.contains(value($0, "metadata", "name") as? String ?? "") }
            .compactMap { value($0, "data", name) as? String }.first
    }

    /// YAML may give a flag as a string ("false") or a boolean.
    static func flag(_ value: Any?) -> Bool? {
        (value as? Bool) ?? (value as? String).flatMap { Bool($0) }
    }

    /// Issue #16 item 4: apply scales on its group's lag, never past the partition count.
    @Test("apply runs partition-parallel and KEDA scales it on its group's lag, never above the partition count")
    func applyScalesOnLag() throws {
        let objects = try Self.objects()
        let deployment = try #require(Self.find(objects, kind: "Deployment", component: "apply").first)
        #expect(Self.setting("HELIO_APPLY_PARALLEL", of: deployment, in: objects) == "true", "replicas add throughput only with apply.parallel")
        #expect(Self.value(deployment, "spec", "replicas") == nil, "the autoscaler owns the replica count")
        let partitions = try #require(Self.setting("HELIO_TOPIC_PARTITIONS", of: deployment, in: objects).flatMap { Int($0) })
        let group = try #require(Self.setting("HELIO_GROUP_ID", of: deployment, in: objects))

        let scaled = try #require(Self.find(objects, kind: "ScaledObject", component: "apply").first, "no ScaledObject for apply")
        #expect(scaled["apiVersion"] as? String == "keda.sh/v1alpha1")
        let target = Self.value(scaled, "spec", "scaleTargetRef")
        #expect(Self.value(target, "kind") as? String == "Deployment")
        #expect(Self.value(target, "name") as? String == Self.value(deployment, "metadata", "name") as? String)
        let minimum = try #require(Self.value(scaled, "spec", "minReplicaCount") as? Int)
        let maximum = try #require(Self.value(scaled, "spec", "maxReplicaCount") as? Int)
        #expect(minimum >= 1 && minimum <= maximum, "\(minimum)...\(maximum)")
        #expect(maximum <= partitions, "maxReplicaCount \(maximum) above the \(partitions) partitions: the extra members would hold nothing")

        let triggers = Self.value(scaled, "spec", "triggers") as? [Object] ?? []
        #expect(triggers.count == 1)
        let trigger = try #require(triggers.first)
        #expect(trigger["type"] as? String == "kafka")
        let metadata = trigger["metadata"] as? Object ?? [:]
        #expect(metadata["consumerGroup"] as? String == group, "KEDA must read the group the appliers join")
        #expect(metadata["bootstrapServers"] as? String == Self.setting("HELIO_KAFKA_BROKERS", of: deployment, in: objects))
        #expect(metadata["topic"] == nil, "every topic of the group counts")
        #expect(Self.flag(metadata["allowIdleConsumers"]) == false)
        #expect((metadata["lagThreshold"] as? String).flatMap { Int($0) }.map { $0 > 0 } == true, "\(String(describing: metadata["lagThreshold"]))")
        // TLS to the brokers as apply has it, with a CA from a TriggerAuthentication that exists.
        if Self.setting("HELIO_KAFKA_PROPERTY_SECURITY_PROTOCOL", of: deployment, in: objects)?.hasSuffix("SSL") == true {
            #expect(metadata["tls"] as? String == "enable")
            let name = try #require(Self.value(trigger, "authenticationRef", "name") as? String)
            let authentication = try #require(Self.find(objects, kind: "TriggerAuthentication").first { Self.value($0, "metadata", "name") as? String == name })
            let references = Self.value(authentication, "spec", "secretTargetRef") as? [Object] ?? []
            #expect(references.contains { $0["parameter"] as? String == "ca" && $0["key"] as? String == "kafka-ca.crt" })
        }

        // The alternative without KEDA: the same Deployment and bounds, on helio's own lag metric.
        let hpa = try #require(Self.find(objects, kind: "HorizontalPodAutoscaler", component: "apply").first)
        #expect(hpa["apiVersion"] as? String == "autoscaling/v2")
        #expect(Self.value(hpa, "spec", "scaleTargetRef", "name") as? String == Self.value(deployment, "metadata", "name") as? String)
        #expect(Self.value(hpa, "spec", "minReplicas") as? Int == minimum)
        #expect(Self.value(hpa, "spec", "maxReplicas") as? Int == maximum)
        let example = try String(contentsOf: LocalStack.repositoryRoot.appendingPathComponent("deploy/kubernetes/apply-hpa.example.yaml"), encoding: .utf8)
        #expect(example.contains("helio_apply_consumer_lag{"), "the adapter rule reads apply's lag metric")
    }
}
