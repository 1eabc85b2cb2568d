import FiscalConnector
import FiscalCore
import FiscalTesting
import Foundation
import MontenegroFiscal
import Testing

/// Misspelt and repeated keys are refused in every input format, naming the field and the fix,
/// and nothing is issued for them.
@Suite struct InputStrictnessTests {
    static let json = #"""
        {"reference": "R-1", "invoice_type": "CASH", "prices_include_vat": true,
         "buyer": {"id_type": "TIN", "id": "87654321", "name": "Kupac DOO", "address": "Ulica 1", "town": "Podgorica", "country": "MNE"},
         "items": [{"name": "Espresso", "quantity": "2", "unit_price": "1.50", "vat_rate": "21"},
                   {"name": "Voda", "quantity": "1", "unit_price": "2.00", "vat_rate": "21", "discount_percent": "10"}],
         "payments": [{"type": "BANKNOTE", "amount": "4.80"}]}
        """#

    static let text = """
        Reference;R-1
        InvoiceType;CASH
        PricesIncludeVAT;true
        Buyer.ID;87654321
        Buyer.Name;Kupac DOO
        Item.0.Name;Espresso
        Item.0.Quantity;2
        Item.0.UnitPrice;1.50
        Item.0.VATRate;21
        Item.0.DiscountPercent;10
        Payment.0.Type;BANKNOTE
        Payment.0.Amount;2.70
        """

    static let csv = """
        reference;invoice_type;prices_include_vat;buyer_name;item_name;item_quantity;item_unit_price;item_vat_rate;item_discount_percent;payment_type;payment_amount;buyer_id
        R-1;CASH;true;Kupac DOO;Espresso;2;1.50;21;10;BANKNOTE;2.70;87654321
        """

    func refusal(_ input: String, _ format: InvoiceInput.Format) -> ValidationError? {
        #expect(throws: ValidationError.self) { try InvoiceInput.parse(Data(input.utf8), format: format) }
    }

    @Test func theUnalteredInputsAreAccepted() throws {
        for (input, format) in [(Self.json, InvoiceInput.Format.json), (Self.text, .text), (Self.csv, .csv)] {
            let request = try InvoiceInput.parse(Data(input.utf8), format: format)
            #expect(request.items?.last?.discountPercent == dec("10"))
        }
    }

    @Test(arguments: [
        (#""discount_percent": "10""#, #""discount_percnt": "10""#, "items[1].discount_percnt", "did you mean discount_percent?"),
        (#""prices_include_vat": true"#, #""price_include_vat": true"#, "price_include_vat", "did you mean prices_include_vat?"),
        (#""address": "Ulica 1""#, #""adress": "Ulica 1""#, "buyer.adress", "did you mean address?"),
        (#""vat_rate": "21"}"#, #""vatrate": "21"}"#, "items[0].vatrate", "did you mean vat_rate?"),
        (#""quantity": "2""#, #""quantity": "2", "vouchers": ["x"]"#, "items[0].vouchers", "vouchers is a field of payments, not of items"),
    ])
    func jsonRefusesUnknownKeys(_ original: String, _ replacement: String, _ field: String, _ fix: String) throws {
        let altered = Self.json.replacingOccurrences(of: original, with: replacement, options: [], range: Self.json.range(of: original))
        let error = try #require(refusal(altered, .json))
        let issue = try #require(error.issues.first)
        #expect(error.issues.count == 1, "\(error)")
        #expect(issue.code == .unknownField && issue.field == field, "\(issue)")
        #expect(issue.message.contains(fix), "\(issue)")
    }

    @Test(arguments: [
        ("Item.0.DiscountPercent;10", "Item.0.DiscountPrecent;10", "Item.0.DiscountPrecent", "line 10: 'Item.0.DiscountPrecent' is not a known key: did you mean Item.0.DiscountPercent?"),
        ("PricesIncludeVAT;true", "PriceIncludeVAT;true", "PriceIncludeVAT", "line 3: 'PriceIncludeVAT' is not a known key: did you mean PricesIncludeVAT?"),
        ("Buyer.Name;Kupac DOO", "Buyer.Nme;Kupac DOO", "Buyer.Nme", "line 5: 'Buyer.Nme' is not a known key: did you mean Buyer.Name?"),
        ("Payment.0.Amount;2.70", "Payment.0.Amout;2.70", "Payment.0.Amout", "line 12: 'Payment.0.Amout' is not a known key: did you mean Payment.0.Amount?"),
        ("Item.0.Name;Espresso", "Itme.0.Name;Espresso", "Itme.0.Name", "line 6: 'Itme.0.Name' is not a known key: did you mean Item?"),
    ])
    func textRefusesUnknownKeys(_ original: String, _ replacement: String, _ field: String, _ message: String) throws {
        let error = try #require(refusal(Self.text.replacingOccurrences(of: original, with: replacement), .text))
        #expect(error.issues.map(\.field) == [field], "\(error)")
        #expect(error.issues.first?.code == .unknownField)
        #expect(error.issues.first?.message == message)
    }

    @Test(arguments: [
        ("item_discount_percent", "item_discount_precent", "column 9 'item_discount_precent' is not a known column: did you mean item_discount_percent?"),
        ("item_discount_percent", "discount_percnt", "column 9 'discount_percnt' is not a known column: did you mean item_discount_percent?"),
        ("prices_include_vat", "price_include_vat", "column 3 'price_include_vat' is not a known column: did you mean prices_include_vat?"),
        ("buyer_name", "buyer_nmae", "column 4 'buyer_nmae' is not a known column: did you mean buyer_name?"),
        ("payment_amount", "payment_amout", "column 11 'payment_amout' is not a known column: did you mean payment_amount?"),
    ])
    func csvRefusesUnknownColumns(_ original: String, _ replacement: String, _ message: String) throws {
        let error = try #require(refusal(Self.csv.replacingOccurrences(of: original, with: replacement), .csv))
        #expect(error.issues.map(\.field) == [replacement], "\(error)")
        #expect(error.issues.first?.code == .unknownField)
        #expect(error.issues.first?.message == message)
    }

    @Test func csvBuyerFieldsMustAgreeOnEveryRow() throws {
        let error = try #require(refusal(Self.csv + "\nR-1;CASH;true;Drugi DOO;Kolač;1;2.00;21;;;;87654321", .csv))
        #expect(error.issues.map(\.field) == ["buyer_name"] && error.issues.first?.code == .duplicate, "\(error)")
        #expect(error.issues.first?.message.contains("'Drugi DOO' differs from 'Kupac DOO'") == true)
    }

    @Test func repeatedJSONKeysAreRefused() throws {
        let twice = Self.json.replacingOccurrences(of: #""reference": "R-1","#, with: #""reference": "R-1", "reference": "R-2","#)
        let top = try #require(refusal(twice, .json))
        #expect(top.issues.map(\.field) == ["reference"] && top.issues.first?.code == .duplicate, "\(top)")
        // The same key written with an escape is the same key.
        let escaped = Self.json.replacingOccurrences(of: #""unit_price": "2.00","#, with: #""unit_price": "2.00", "unit\u005fprice": "0.01","#)
        let nested = try #require(refusal(escaped, .json))
        #expect(nested.issues.map(\.field) == ["items[1].unit_price"] && nested.issues.first?.code == .duplicate, "\(nested)")
        #expect(nested.issues.first?.message.contains("given twice") == true)
    }

    @Test func keysInsideStringsAndRepeatedKeysInOtherObjectsAreFine() throws {
        let tricky = Self.json.replacingOccurrences(of: #""reference": "R-1","#, with: #""reference": "R-1", "note": "{\"discount_percnt\": 5, \"reference\": [1]}","#)
        let request = try InvoiceInput.parse(Data(tricky.utf8), format: .json)
        #expect(request.note == #"{"discount_percnt": 5, "reference": [1]}"#)
        #expect(request.items?.count == 2, "name, quantity … repeat in each item, which is not a repetition")
    }

    @Test func textThatIsNotJSONIsReportedAsSuch() throws {
        let error = try #require(refusal(#"{"reference": "R-1", "discount_percnt": }"#, .json))
        #expect(error.issues.allSatisfy { $0.code == .invalidFormat }, "\(error)")
    }

    @Test func aMisspeltKeyIssuesNothing() async throws {
        let harness = try await ConnectorHarness.start(requireInitialDeposit: false)
        defer { Task { await harness.stop() } }
        let connector = try harness.connector()
        let typo = ConnectorHarness.invoiceJSON(reference: "T-1", cash: false, extra: #", "note": "x", "discount_percnt": "10""#)
        let refused = await connector.fiscalize(json: typo)
        #expect(refused.status == .rejected && refused.error?.code == .invalidInput && refused.error?.field == "discount_percnt", "\(refused)")
        #expect(refused.exitCode == 2 && refused.iic == nil)
        #expect(try await connector.journal.entries().isEmpty, "nothing journaled")
        let next = await connector.fiscalize(json: ConnectorHarness.invoiceJSON(reference: "T-2", cash: false))
        #expect(next.status == .fiscalized && next.ordinal == 1, "no ordinal used by the refusal")
    }
}
