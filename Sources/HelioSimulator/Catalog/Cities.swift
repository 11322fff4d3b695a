import Foundation

/// A Brazilian city where the platform has customers: where the sun is, the phone area code
/// (DDD) and the distribution utilities that serve it.
struct City: Sendable {
    let name: String
    let state: String
    let latitude: Double
    let longitude: Double
    let ddd: Int
    let utilities: [String]
    /// Relative share of the platform's customers (distributed generation is densest in MG, SP, RS, PR).
    let weight: Double
}

enum Cities {
    static let all: [City] = [
        City(name: "São Paulo", state: "SP", latitude: -23.5505, longitude: -46.6333, ddd: 11, utilities: ["ENEL SP"], weight: 8),
        City(name: "Campinas", state: "SP", latitude: -22.9099, longitude: -47.0626, ddd: 19, utilities: ["CPFL Paulista"], weight: 4),
        City(name: "Ribeirão Preto", state: "SP", latitude: -21.1775, longitude: -47.8103, ddd: 16, utilities: ["CPFL Paulista"], weight: 3),
        City(name: "São José dos Campos", state: "SP", latitude: -23.1896, longitude: -45.8841, ddd: 12, utilities: ["EDP SP"], weight: 2),
        City(name: "Sorocaba", state: "SP", latitude: -23.5015, longitude: -47.4526, ddd: 15, utilities: ["CPFL Piratininga"], weight: 2),
        City(name: "Belo Horizonte", state: "MG", latitude: -19.9167, longitude: -43.9345, ddd: 31, utilities: ["CEMIG"], weight: 7),
        City(name: "Uberlândia", state: "MG", latitude: -18.9186, longitude: -48.2772, ddd: 34, utilities: ["CEMIG"], weight: 4),
        City(name: "Montes Claros", state: "MG", latitude: -16.7350, longitude: -43.8617, ddd: 38, utilities: ["CEMIG"], weight: 3),
        City(name: "Juiz de Fora", state: "MG", latitude: -21.7642, longitude: -43.3503, ddd: 32, utilities: ["CEMIG"], weight: 2),
        City(name: "Rio de Janeiro", state: "RJ", latitude: -22.9068, longitude: -43.1729, ddd: 21, utilities: ["Light"], weight: 4),
        City(name: "Niterói", state: "RJ", latitude: -22.8832, longitude: -43.1034, ddd: 21, utilities: ["Enel RJ"], weight: 1),
        City(name: "Vitória", state: "ES", latitude: -20.3155, longitude: -40.3128, ddd: 27, utilities: ["EDP ES"], weight: 1),
        City(name: "Curitiba", state: "PR", latitude: -25.4284, longitude: -49.2733, ddd: 41, utilities: ["COPEL"], weight: 4),
        City(name: "Londrina", state: "PR", latitude: -23.3045, longitude: -51.1696, ddd: 43, utilities: ["COPEL"], weight: 2),
        City(name: "Maringá", state: "PR", latitude: -23.4205, longitude: -51.9333, ddd: 44, utilities: ["COPEL"], weight: 2),
        City(name: "Cascavel", state: "PR", latitude: -24.9555, longitude: -53.4552, ddd: 45, utilities: ["COPEL"], weight: 2),
        City(name: "Florianópolis", state: "SC", latitude: -27.5954, longitude: -48.5480, ddd: 48, utilities: ["CELESC"], weight: 2),
        City(name: "Joinville", state: "SC", latitude: -26.3045, longitude: -48.8487, ddd: 47, utilities: ["CELESC"], weight: 1),
        City(name: "Chapecó", state: "SC", latitude: -27.1004, longitude: -52.6152, ddd: 49, utilities: ["CELESC"], weight: 1),
        City(name: "Porto Alegre", state: "RS", latitude: -30.0346, longitude: -51.2177, ddd: 51, utilities: ["CEEE Equatorial"], weight: 3),
        City(name: "Caxias do Sul", state: "RS", latitude: -29.1678, longitude: -51.1794, ddd: 54, utilities: ["RGE"], weight: 2),
        City(name: "Santa Maria", state: "RS", latitude: -29.6868, longitude: -53.8149, ddd: 55, utilities: ["RGE"], weight: 1),
        City(name: "Goiânia", state: "GO", latitude: -16.6869, longitude: -49.2648, ddd: 62, utilities: ["Equatorial Goiás"], weight: 3),
        City(name: "Brasília", state: "DF", latitude: -15.7939, longitude: -47.8828, ddd: 61, utilities: ["Neoenergia Brasília"], weight: 2),
        City(name: "Campo Grande", state: "MS", latitude: -20.4697, longitude: -54.6201, ddd: 67, utilities: ["Energisa MS"], weight: 2),
        City(name: "Cuiabá", state: "MT", latitude: -15.6014, longitude: -56.0979, ddd: 65, utilities: ["Energisa MT"], weight: 2),
        City(name: "Salvador", state: "BA", latitude: -12.9777, longitude: -38.5016, ddd: 71, utilities: ["Neoenergia Coelba"], weight: 2),
        City(name: "Feira de Santana", state: "BA", latitude: -12.2664, longitude: -38.9663, ddd: 75, utilities: ["Neoenergia Coelba"], weight: 1),
        City(name: "Vitória da Conquista", state: "BA", latitude: -14.8619, longitude: -40.8444, ddd: 77, utilities: ["Neoenergia Coelba"], weight: 1),
        City(name: "Recife", state: "PE", latitude: -8.0476, longitude: -34.8770, ddd: 81, utilities: ["Neoenergia Pernambuco"], weight: 2),
        City(name: "Petrolina", state: "PE", latitude: -9.3891, longitude: -40.5030, ddd: 87, utilities: ["Neoenergia Pernambuco"], weight: 1),
        City(name: "Fortaleza", state: "CE", latitude: -3.7319, longitude: -38.5267, ddd: 85, utilities: ["Enel CE"], weight: 2),
        City(name: "Natal", state: "RN", latitude: -5.7945, longitude: -35.2110, ddd: 84, utilities: ["Neoenergia Cosern"], weight: 1),
        City(name: "João Pessoa", state: "PB", latitude: -7.1195, longitude: -34.8450, ddd: 83, utilities: ["Energisa PB"], weight: 1),
        City(name: "Teresina", state: "PI", latitude: -5.0920, longitude: -42.8038, ddd: 86, utilities: ["Equatorial Piauí"], weight: 1),
        City(name: "São Luís", state: "MA", latitude: -2.5307, longitude: -44.3068, ddd: 98, utilities: ["Equatorial Maranhão"], weight: 1),
        City(name: "Belém", state: "PA", latitude: -1.4558, longitude: -48.4902, ddd: 91, utilities: ["Equatorial Pará"], weight: 1),
        City(name: "Manaus", state: "AM", latitude: -3.1190, longitude: -60.0217, ddd: 92, utilities: ["Amazonas Energia"], weight: 1),
        City(name: "Palmas", state: "TO", latitude: -10.1844, longitude: -48.3336, ddd: 63, utilities: ["Energisa TO"], weight: 1),
        City(name: "Aracaju", state: "SE", latitude: -10.9472, longitude: -37.0731, ddd: 79, utilities: ["Energisa SE"], weight: 1),
        City(name: "Maceió", state: "AL", latitude: -9.6658, longitude: -35.7353, ddd: 82, utilities: ["Equatorial Alagoas"], weight: 1),
    ]

    static func named(_ name: String?, state: String?) -> City? {
        all.first { $0.name == name && $0.state == state?.trimmingCharacters(in: .whitespaces) }
    }

    static let streetKinds = ["Rua", "Rua", "Rua", "Avenida", "Avenida", "Travessa", "Alameda"]
    static let streetNames = [
        "das Flores", "Sete de Setembro", "XV de Novembro", "Tiradentes", "Santos Dumont",
        "Rui Barbosa", "Dom Pedro II", "Getúlio Vargas", "Marechal Deodoro", "José Bonifácio",
        "São João", "das Palmeiras", "dos Ipês", "Brasil", "Amazonas", "Paraná", "Castro Alves",
        "Barão do Rio Branco", "Duque de Caxias", "Princesa Isabel",
    ]
    static let neighborhoods = [
        "Centro", "Jardim América", "Vila Nova", "Boa Vista", "Santa Cruz", "Jardim Paulista",
        "Parque das Nações", "Cidade Nova", "Vila Operária", "Jardim das Acácias", "Industrial",
    ]
}
