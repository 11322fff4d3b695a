/// Brazilian given names and surnames, roughly in order of frequency.
enum PersonNames {
    static let givenFemale = [
        "Maria", "Ana", "Francisca", "Antônia", "Adriana", "Juliana", "Márcia", "Fernanda",
        "Patrícia", "Aline", "Camila", "Beatriz", "Larissa", "Letícia", "Gabriela", "Mariana",
        "Luana", "Vitória", "Sandra", "Cláudia", "Helena", "Alice", "Laura", "Manuela",
        "Valentina", "Isabela", "Júlia", "Heloísa", "Lorena", "Rafaela", "Débora", "Tatiane",
    ]
    static let givenMale = [
        "José", "João", "Antônio", "Francisco", "Carlos", "Paulo", "Pedro", "Lucas", "Luiz",
        "Marcos", "Gabriel", "Rafael", "Daniel", "Marcelo", "Bruno", "Eduardo", "Felipe",
        "Raimundo", "Rodrigo", "Gustavo", "Matheus", "Thiago", "Leonardo", "Fernando", "Ricardo",
        "André", "Vinícius", "Diego", "Henrique", "Miguel", "Arthur", "Heitor", "Davi",
        "Bernardo", "Otávio", "Sebastião", "Caio", "Renato",
    ]
    /// Second given names that form common compound names (Maria Eduarda, João Pedro).
    static let secondFemale = ["Eduarda", "Clara", "Luiza", "Aparecida", "Fernanda", "Cecília", "Vitória"]
    static let secondMale = ["Pedro", "Paulo", "Carlos", "Henrique", "Lucas", "Gabriel", "Vitor"]

    static let surnames = [
        "Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira",
        "Lima", "Gomes", "Costa", "Ribeiro", "Martins", "Carvalho", "Almeida", "Lopes",
        "Soares", "Fernandes", "Vieira", "Barbosa", "Rocha", "Dias", "Nascimento", "Andrade",
        "Moreira", "Nunes", "Marques", "Machado", "Mendes", "Freitas", "Cardoso", "Ramos",
        "Gonçalves", "Santana", "Teixeira", "Araújo", "Cavalcanti", "Monteiro", "Moura",
        "Correia", "Pinto", "Batista", "Campos", "Farias", "Medeiros", "Castro", "Melo",
        "Barros", "Azevedo", "Pires", "Brandão", "Tavares", "Cunha", "Siqueira", "Queiroz",
    ]

    /// Business kinds for companies (`<kind> <surname> Ltda`) and the tariff they suggest.
    static let businessKinds = [
        "Supermercado", "Padaria", "Auto Peças", "Farmácia", "Clínica", "Hotel", "Posto",
        "Materiais de Construção", "Laticínios", "Restaurante", "Escola", "Academia",
        "Transportadora", "Agropecuária", "Marmoraria", "Frigorífico",
    ]
    static let businessSuffixes = ["Ltda", "Ltda", "Ltda", "ME", "EIRELI", "S.A."]

    /// Words for farm, shop and place names.
    static let placeWords = [
        "Boa Vista", "Santa Luzia", "São Jorge", "Primavera", "Sol Nascente", "Esperança",
        "Bela Vista", "Progresso", "Aurora", "Horizonte", "Santa Rita", "Três Irmãos",
        "Recanto Verde", "Água Limpa", "Bom Jesus", "Santo Antônio",
    ]

    static let personalDomains: [(domain: String, weight: Double)] = [
        ("gmail.com", 50), ("hotmail.com", 15), ("outlook.com", 8), ("yahoo.com.br", 7),
        ("uol.com.br", 6), ("bol.com.br", 5), ("terra.com.br", 4), ("icloud.com", 5),
    ]
    static let companyMailboxes = ["contato", "financeiro", "administrativo", "comercial"]
}
