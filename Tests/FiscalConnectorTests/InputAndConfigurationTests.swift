import FiscalConnector
import FiscalCore
import FiscalTesting
import Foundation
import MontenegroFiscal
import Testing

@Suite struct InputFormatTests {
    static let expected: InvoiceRequest = {
        let buyer = InvoiceRequest.PartyInput(idType: "TIN", id: "87654321", name: "Kupac DOO Čačak", address: "Ulica 1", town: "Podgorica", country: "MNE")
        let espresso = InvoiceRequest.ItemInput(name: "Espresso", code: "001", unit: "kom", quantity: dec("2"), unitPrice: dec("1.50"), vatRate: dec("21"))
        let water = InvoiceRequest.ItemInput(name: "Voda \"Rosa\", 0,5l", code: "002", unit: "kom", quantity: dec("1.5"), unitPrice: dec("2.675"),
                                             vatRate: dec("21"), discountPercent: dec("10"))
        let payment = InvoiceRequest.PaymentInput(type: "BANKNOTE", amount: dec("6.61"))
        return InvoiceRequest(reference: "R-1001", invoiceType: "CASH", pricesIncludeVAT: true, buyer: buyer, items: [espresso, water], payments: [payment])
    }()

    @Test func jsonKeepsNumbersExact() throws {
        let json = #"""
        {"reference": "R-1001", "invoice_type": "CASH", "prices_include_vat": true,
         "buyer": {"id_type": "TIN", "id": "87654321", "name": "Kupac DOO Čačak", "address": "Ulica 1", "town": "Podgorica", "country": "MNE"},
         "items": [{"name": "Espresso", "code": "001", "unit": "kom", "quantity": 2, "unit_price": "1.50", "vat_rate": 21},
                   {"name": "Voda \"Rosa\", 0,5l", "code": "002", "unit": "kom", "quantity": 1.5, "unit_price": 2.675, "vat_rate": "21", "discount_percent": 10}],
         "payments": [{"type": "BANKNOTE", "amount": 6.61}]}
        """#
        let request = try InvoiceInput.parse(Data(json.utf8), format: .json)
        #expect(request == Self.expected)
        #expect(request.items?[1].unitPrice.description == "2.675")
    }

    @Test func textFormat() throws {
        let text = """
            # key;value, one field per line
            Reference;R-1001
            InvoiceType;CASH
            PricesIncludeVAT;true
            Buyer.IDType;TIN
            Buyer.ID;87654321
            Buyer.Name;Kupac DOO Čačak
            Buyer.Address;Ulica 1
            Buyer.Town;Podgorica
            Buyer.Country;MNE
            Item.0.Name;Espresso
            Item.0.Code;001
            Item.0.Unit;kom
            Item.0.Quantity;2
            Item.0.UnitPrice;1.50
            Item.0.VATRate;21
            Item.0.Exemption;
            Item.1.Name;Voda "Rosa", 0,5l
            Item.1.Code;002
            Item.1.Unit;kom
            Item.1.Quantity;1.5
            Item.1.UnitPrice;2.675
            Item.1.VATRate;21
            Item.1.DiscountPercent;10
            Payment.0.Type;BANKNOTE
            Payment.0.Amount;6.61
            """
        #expect(try InvoiceInput.parse(Data(text.utf8), format: .text) == Self.expected)
        // The same file saved as Windows-1250.
        let cp1250 = Data(text.unicodeScalars.map { scalar -> UInt8 in
            switch scalar { case "Č": 0xC8; case "č": 0xE8; default: UInt8(scalar.value) }
        })
        #expect(try InvoiceInput.parse(cp1250, format: .text, encoding: .windows1250) == Self.expected)
        let wrongEncoding = #expect(throws: ValidationError.self) { try InvoiceInput.parse(cp1250, format: .text) }
        #expect(wrongEncoding?.issues.first?.message.contains("cp1250") == true)
    }

    @Test func csvFormat() throws {
        let csv = """
            reference;invoice_type;prices_include_vat;buyer_id_type;buyer_id;buyer_name;buyer_address;buyer_town;buyer_country;item_name;item_code;item_unit;item_quantity;item_unit_price;item_vat_rate;item_discount_percent;payment_type;payment_amount
            R-1001;CASH;true;TIN;87654321;Kupac DOO Čačak;Ulica 1;Podgorica;MNE;Espresso;001;kom;2;1.50;21;;BANKNOTE;6.61
            R-1001;CASH;true;TIN;87654321;Kupac DOO Čačak;Ulica 1;Podgorica;MNE;"Voda ""Rosa"", 0,5l";002;kom;1.5;2.675;21;10;;
            """
        #expect(try InvoiceInput.parse(Data(csv.utf8), format: .csv) == Self.expected)
        let comma = """
            reference,invoice_type,item_name,item_quantity,item_unit_price,item_vat_rate,payment_type,payment_amount
            R-9,CASH,Espresso,2,1.50,21,BANKNOTE,3.00
            """
        let request = try InvoiceInput.parse(Data(comma.utf8), format: .csv)
        #expect(request.items?.count == 1 && request.payments?.first?.amount == ExactDecimal("3.00"))
    }

    @Test(arguments: [
        (InvoiceInput.Format.text, "Reference;R-1\nItem.x.Name;Espresso", "line 2"),
        (.text, "Reference;R-1\nno separator here", "line 2"),
        (.text, "Reference;R-1\nReference;R-2", "reference"),
        (.text, "Reference;R-1\nInvoiceType;CASH\nPricesIncludeVAT;maybe", "prices_include_vat"),
        (.text, "Reference;R-1\nInvoiceType;CASH\nItem.0.Name;x\nItem.0.Quantity;1,5\nItem.0.UnitPrice;1\nPayment.0.Type;BANKNOTE\nPayment.0.Amount;1", "items[0].quantity"),
        (.csv, "reference\n", "input"),
        (.csv, "reference,invoice_type\nR-1,CASH\nR-2,CASH", "reference"),
        (.json, "{\"reference\": \"R\", \"invoice_type\": \"CASH\", \"items\": [{\"name\": \"x\", \"quantity\": \"1e3\", \"unit_price\": 1}]}", "items[0].quantity"),
        (.json, "{\"reference\": true}", "reference"),
    ])
    func badInputNamesTheField(_ format: InvoiceInput.Format, _ text: String, _ field: String) {
        let error = #expect(throws: ValidationError.self) { try InvoiceInput.parse(Data(text.utf8), format: format) }
        #expect(error?.issues.contains { $0.field == field } == true, "\(text): \(String(describing: error))")
    }
}

@Suite struct ConfigurationTests {
    func parse(_ text: String) throws(ConfigurationError) -> ConnectorConfiguration {
        try ConnectorConfiguration.parse(text, baseDirectory: "/etc/fiscal")
    }

    static let minimal = """
        [taxpayer]
        tin = "12345678"
        name = "Test DOO"
        [device]
        business_unit = "xx123xx123"
        tcr_code = "si747we972"
        software_code = "ss123ss123"
        operator_code = "oo123oo123"
        [certificate]
        file = "seal.p12"
        [tax_authority]
        environment = "test"
        [license]
        token = "FL1.x.y"
        """

    @Test func readsDefaultsAndResolvesPaths() throws {
        let configuration = try parse(Self.minimal)
        #expect(configuration.certificate.file == "/etc/fiscal/seal.p12")
        #expect(configuration.certificate.passwordEnvironmentVariable == "FISCAL_CERT_PASSWORD")
        #expect(configuration.journalPath == "/etc/fiscal/journal.sqlite")
        #expect(configuration.taxAuthority.url == "https://efitest.tax.gov.me/fs-v1")
        #expect(configuration.taxAuthority.timeoutSeconds == 5)
        #expect(configuration.api.host == "127.0.0.1" && configuration.api.port == 8745)
        #expect(configuration.cash.autoInitialDeposit && configuration.cash.initialFloat == .zero)
        #expect(configuration.taxpayer.inVAT && configuration.taxpayer.country == "MNE")
        let production = try parse(Self.minimal.replacingOccurrences(of: "environment = \"test\"", with: "environment = \"production\""))
        #expect(production.taxAuthority.url == "https://efi.tax.gov.me/fs-v1")
    }

    @Test(arguments: [
        ("tin = \"12345678\"", "tin = \"1234\"", "taxpayer.tin"),
        ("tcr_code = \"si747we972\"", "tcr_code = \"SI747WE972\"", "device.tcr_code"),
        ("environment = \"test\"", "environment = \"staging\"", "tax_authority.environment"),
        ("name = \"Test DOO\"", "name = \"Test DOO\"\nin_vat = \"yes\"", "taxpayer.in_vat"),
        ("file = \"seal.p12\"", "file = \"seal.p12\"\npasword_env = \"X\"", "certificate.pasword_env"),
        ("environment = \"test\"", "environment = \"test\"\ntimeout_seconds = 0", "tax_authority.timeout_seconds"),
        ("[license]", "[cash]\ninitial_float = \"12.345\"\n[license]", "cash.initial_float"),
        ("operator_code = \"oo123oo123\"\n", "", "device.operator_code"),
    ])
    func namesTheKeyAndLine(_ original: String, _ replacement: String, _ key: String) {
        let error = #expect(throws: ConfigurationError.self) { try parse(Self.minimal.replacingOccurrences(of: original, with: replacement)) }
        #expect(error?.key == key, "\(String(describing: error))")
        #expect(error?.description.contains(key) == true)
    }

    @Test func syntaxErrorsCarryTheLine() {
        let error = #expect(throws: ConfigurationError.self) { try parse(Self.minimal + "\nbroken") }
        #expect(error?.line == 15)
        #expect(throws: ConfigurationError.self) { try ConnectorConfiguration.load(path: "/nonexistent/connector.toml") }
    }
}
