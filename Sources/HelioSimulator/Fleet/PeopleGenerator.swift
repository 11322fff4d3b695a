/// Generates customers: Brazilian names, unique emails, CPF or CNPJ, phones with the DDD of
/// their city. Emails already taken (in the database or earlier in the batch) are avoided.
struct PeopleGenerator {
    var takenEmails: Set<String>

    init(takenEmails: Set<String> = []) { self.takenEmails = takenEmails }

    mutating func user(city: City, rng: inout some RandomNumberGenerator) -> NewUser {
        let isCompany = rng.chance(0.15)
        let name = isCompany ? companyName(rng: &rng) : personName(rng: &rng)
        let email = uniqueEmail(for: name, isCompany: isCompany, rng: &rng)
        let document = isCompany ? DocumentNumbers.cnpj(&rng) : DocumentNumbers.cpf(&rng)
        let phone = Self.phone(ddd: city.ddd, landline: isCompany && rng.chance(0.5), rng: &rng)
        let status = rng.chance(0.04) ? "suspended" : "active"
        return NewUser(name: name, email: email, document: document, phone: phone, status: status,
                       ddd: city.ddd, isCompany: isCompany)
    }

    func personName(rng: inout some RandomNumberGenerator) -> String {
        let female = rng.chance(0.5)
        var parts = [rng.pick(female ? PersonNames.givenFemale : PersonNames.givenMale)]
        if rng.chance(0.25) { parts.append(rng.pick(female ? PersonNames.secondFemale : PersonNames.secondMale)) }
        let first = rng.pick(PersonNames.surnames)
        var last = rng.pick(PersonNames.surnames)
        if last == first { last = PersonNames.surnames[(PersonNames.surnames.firstIndex(of: last)! + 1) % PersonNames.surnames.count] }
        if rng.chance(0.6) { parts.append(first) }
        parts.append(last)
        return parts.joined(separator: " ")
    }

    func companyName(rng: inout some RandomNumberGenerator) -> String {
        let kind = rng.pick(PersonNames.businessKinds)
        let owner = rng.chance(0.7) ? rng.pick(PersonNames.surnames) : rng.pick(PersonNames.placeWords)
        return "\(kind) \(owner) \(rng.pick(PersonNames.businessSuffixes))"
    }

    /// A new address for an existing user (an email change), unique like the first.
    mutating func changedEmail(name: String, isCompany: Bool, rng: inout some RandomNumberGenerator) -> String {
        uniqueEmail(for: name, isCompany: isCompany, rng: &rng)
    }

    mutating func release(email: String) { takenEmails.remove(email) }

    private mutating func uniqueEmail(for name: String, isCompany: Bool, rng: inout some RandomNumberGenerator) -> String {
        let words = Text.fold(name).split(separator: " ").map { Text.slug(String($0)) }.filter { !$0.isEmpty }
        var attempt = 0
        while true {
            let candidate: String
            if isCompany {
                let business = words.dropLast().joined()
                let suffix = attempt == 0 ? "" : String(rng.int(2...99))
                candidate = "\(rng.pick(PersonNames.companyMailboxes))@\(business)\(suffix).com.br"
            } else {
                let first = words.first ?? "cliente", last = words.last ?? "solar"
                let local: String
                switch rng.int(0...3) {
                case 0: local = "\(first).\(last)"
                case 1: local = "\(first)\(last)\(rng.int(1...99))"
                case 2: local = "\(first.prefix(1)).\(last)"
                default: local = "\(first)_\(last)\(rng.int(60...99))"
                }
                let extra = attempt < 2 ? "" : String(rng.int(100...9999))
                candidate = "\(local)\(extra)@\(rng.pick(PersonNames.personalDomains) { $0.weight }.domain)"
            }
            if takenEmails.insert(candidate).inserted { return candidate }
            attempt += 1
        }
    }

    /// `+55 11 98765-4321` (mobile) or `+55 11 3456-7890` (landline).
    static func phone(ddd: Int, landline: Bool = false, rng: inout some RandomNumberGenerator) -> String {
        if landline { return "+55 \(ddd) \(rng.int(2...5))\(rng.digits(3))-\(rng.digits(4))" }
        return "+55 \(ddd) 9\(rng.int(6...9))\(rng.digits(3))-\(rng.digits(4))"
    }
}
