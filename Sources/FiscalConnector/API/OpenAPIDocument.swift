// Generated from openapi.yaml at the package root (a test checks they match): served at /v1/openapi.yaml.

/// The local API's OpenAPI document.
enum OpenAPIDocument {
    /// The YAML text.
    static let yaml = #"""
openapi: 3.0.3
info:
  title: fiscal-connector local API
  version: "1"
  description: |
    The point-of-sale connector's local HTTP API (`fiscal-connector serve`). It listens on
    127.0.0.1:8745 by default. Every request needs `Authorization: Bearer <token>`, where the token is
    the value of the environment variable named by `[api] token_env` (default `FISCAL_API_TOKEN`).
    Results are the same JSON as `fiscal-connector fiscalize` prints.
servers:
  - url: http://127.0.0.1:8745
security:
  - bearer: []
paths:
  /v1/invoices:
    post:
      summary: Fiscalize an invoice
      description: |
        Journals the invoice (next ordinal, IIC, signed request) before sending it. The same
        `reference` again returns the stored result and issues nothing; the same reference with other
        content is refused (409). JSON by default; `text/csv` and `text/plain` (the key;value format)
        are accepted too, UTF-8 or `charset=windows-1250`.
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: "#/components/schemas/Invoice" }
          text/csv:
            schema: { type: string }
          text/plain:
            schema: { type: string }
      responses:
        "200": { description: "Fiscalized (FIC received)", content: { application/json: { schema: { $ref: "#/components/schemas/Result" } } } }
        "202": { description: "Issued offline with IIC and QR; delivered later, FIC to follow", content: { application/json: { schema: { $ref: "#/components/schemas/Result" } } } }
        "409": { description: "The reference was used for different content", content: { application/json: { schema: { $ref: "#/components/schemas/Result" } } } }
        "422": { description: "Rejected (invalid input, or a blocking refusal by the tax authority); nothing valid was issued", content: { application/json: { schema: { $ref: "#/components/schemas/Result" } } } }
        "503": { description: "The same reference is still being delivered by another call; send it again in a moment", content: { application/json: { schema: { $ref: "#/components/schemas/Result" } } } }
        "500": { description: "Internal error; the outcome is unknown, send the same reference again", content: { application/json: { schema: { $ref: "#/components/schemas/Result" } } } }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "413": { description: "Body larger than 2 MiB" }
  /v1/invoices/{reference}:
    get:
      summary: The invoice's current result (state, IIC, FIC, QR URL)
      parameters: [ { $ref: "#/components/parameters/Reference" } ]
      responses:
        "200": { description: "Found", content: { application/json: { schema: { $ref: "#/components/schemas/Result" } } } }
        "404": { $ref: "#/components/responses/NotFound" }
        "401": { $ref: "#/components/responses/Unauthorized" }
  /v1/invoices/{reference}/qr.svg:
    get:
      summary: The receipt's QR code as SVG (error correction M, at least 22 mm)
      parameters: [ { $ref: "#/components/parameters/Reference" } ]
      responses:
        "200": { description: "SVG image", content: { image/svg+xml: { schema: { type: string } } } }
        "404": { $ref: "#/components/responses/NotFound" }
        "409": { description: "The tax authority refused this invoice; it has no valid QR code" }
        "401": { $ref: "#/components/responses/Unauthorized" }
  /v1/invoices/{reference}/qr.png:
    get:
      summary: The receipt's QR code as PNG (error correction M, 22 mm at 203 dpi)
      parameters: [ { $ref: "#/components/parameters/Reference" } ]
      responses:
        "200": { description: "PNG image", content: { image/png: { schema: { type: string, format: binary } } } }
        "404": { $ref: "#/components/responses/NotFound" }
        "409": { description: "The tax authority refused this invoice; it has no valid QR code" }
        "401": { $ref: "#/components/responses/Unauthorized" }
  /v1/cash-deposits:
    post:
      summary: Register the day's INITIAL cash float or a WITHDRAW
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [amount]
              properties:
                amount: { type: string, example: "50.00" }
                operation: { type: string, enum: [INITIAL, WITHDRAW], default: INITIAL }
                reference: { type: string, description: "Your unique reference; makes retries safe" }
      responses:
        "200": { description: "Registered (FCDC in `fic`)", content: { application/json: { schema: { $ref: "#/components/schemas/Result" } } } }
        "202": { description: "Issued, delivered later", content: { application/json: { schema: { $ref: "#/components/schemas/Result" } } } }
        "422": { description: "Rejected", content: { application/json: { schema: { $ref: "#/components/schemas/Result" } } } }
        "401": { $ref: "#/components/responses/Unauthorized" }
  /v1/deliveries:
    post:
      summary: Deliver every pending document now
      responses:
        "200":
          description: What was delivered
          content:
            application/json:
              schema:
                type: object
                properties:
                  fiscalized: { type: array, items: { type: string } }
                  rejected: { type: array, items: { type: string } }
                  still_pending: { type: array, items: { type: string } }
                  waiting: { type: array, items: { type: string } }
        "401": { $ref: "#/components/responses/Unauthorized" }
  /v1/status:
    get:
      summary: Mode, certificate and license expiry, pending documents and deadlines, last contact
      responses:
        "200": { description: "Status", content: { application/json: { schema: { $ref: "#/components/schemas/Status" } } } }
        "401": { $ref: "#/components/responses/Unauthorized" }
  /v1/openapi.yaml:
    get:
      summary: This document
      responses:
        "200": { description: "OpenAPI 3 document", content: { application/yaml: { schema: { type: string } } } }
components:
  securitySchemes:
    bearer: { type: http, scheme: bearer }
  parameters:
    Reference: { name: reference, in: path, required: true, schema: { type: string } }
  responses:
    Unauthorized: { description: "Missing or wrong bearer token", content: { application/json: { schema: { $ref: "#/components/schemas/Problem" } } } }
    NotFound: { description: "No invoice with this reference", content: { application/json: { schema: { $ref: "#/components/schemas/Problem" } } } }
  schemas:
    Problem:
      type: object
      properties:
        error:
          type: object
          properties:
            code: { type: string }
            message: { type: string }
    Amount:
      description: An exact decimal with a dot, as a string ("1.50") or a JSON number (read from its text, never as binary floating point)
      oneOf: [ { type: string }, { type: number } ]
    Party:
      type: object
      required: [id, name]
      properties:
        id_type: { type: string, enum: [TIN, ID, PASS, VAT, TAX, SOC], default: TIN }
        id: { type: string }
        name: { type: string }
        address: { type: string }
        town: { type: string }
        country: { type: string, description: "ISO 3166-1 alpha-3, e.g. MNE" }
        diplomatic_tax_card: { type: string }
    Invoice:
      type: object
      required: [reference, invoice_type, payments]
      properties:
        reference: { type: string, description: "Your unique id of the invoice; the idempotency key" }
        invoice_type: { type: string, enum: [CASH, NONCASH] }
        kind: { type: string, enum: [INVOICE, CORRECTIVE, SUMMARY, PERIODICAL, ADVANCE, CREDIT_NOTE], default: INVOICE }
        issued_at: { type: string, example: "2026-11-21T10:15:00+01:00", description: "Default now" }
        operator_code: { type: string, description: "Default the configuration's" }
        prices_include_vat: { type: boolean, default: true }
        self_issuing: { type: string, enum: [AGREEMENT, DOMESTIC, ABROAD, SELF, OTHER] }
        seller: { $ref: "#/components/schemas/Party" }
        buyer: { $ref: "#/components/schemas/Party" }
        items:
          type: array
          maxItems: 1000
          items:
            type: object
            required: [name, quantity, unit_price]
            properties:
              name: { type: string }
              code: { type: string }
              unit: { type: string, default: kom }
              quantity: { $ref: "#/components/schemas/Amount" }
              unit_price: { $ref: "#/components/schemas/Amount" }
              vat_rate: { $ref: "#/components/schemas/Amount" }
              discount_percent: { $ref: "#/components/schemas/Amount" }
              exemption: { type: string, description: "VAT_CL3 … VAT_CL44, instead of vat_rate" }
              is_investment: { type: boolean }
              voucher_valid_until: { type: string, format: date }
              voucher_serial: { type: string }
        tax_groups:
          type: array
          description: Amounts per VAT rate for SUMMARY, PERIODICAL and CREDIT_NOTE documents without items
          items:
            type: object
            properties:
              count: { $ref: "#/components/schemas/Amount" }
              price_before_vat: { $ref: "#/components/schemas/Amount" }
              vat_rate: { $ref: "#/components/schemas/Amount" }
              exemption: { type: string }
              vat_amount: { $ref: "#/components/schemas/Amount" }
        payments:
          type: array
          maxItems: 10
          items:
            type: object
            required: [type, amount]
            properties:
              type: { type: string, enum: [BANKNOTE, CARD, BUSINESSCARD, SVOUCHER, COMPANY, ORDER, ADVANCE, ACCOUNT, FACTORING, OTHER, OTHER-CASH] }
              amount: { $ref: "#/components/schemas/Amount" }
              company_card: { type: string }
              advance_iic: { type: string }
              bank_account: { type: string }
              vouchers: { type: array, items: { type: string } }
        fees:
          type: array
          items: { type: object, properties: { type: { type: string, enum: [PACK, COMMISSION, OTHER] }, amount: { $ref: "#/components/schemas/Amount" } } }
        corrects:
          type: object
          properties:
            iic: { type: string }
            issued_at: { type: string }
            type: { type: string, enum: [CORRECTIVE, ERROR_CORRECTIVE], default: CORRECTIVE }
        references:
          type: array
          items: { type: object, properties: { iic: { type: string }, issued_at: { type: string }, amount: { $ref: "#/components/schemas/Amount" } } }
        approvals:
          type: array
          items:
            type: object
            properties:
              discount_amount: { $ref: "#/components/schemas/Amount" }
              return_amount: { $ref: "#/components/schemas/Amount" }
              vat_rate: { $ref: "#/components/schemas/Amount" }
              exempt_amount: { $ref: "#/components/schemas/Amount" }
              vat_amount: { $ref: "#/components/schemas/Amount" }
              total_amount: { $ref: "#/components/schemas/Amount" }
        bad_debt: { type: object, properties: { iic: { type: string }, issued_at: { type: string } } }
        currency: { type: object, properties: { code: { type: string }, exchange_rate: { $ref: "#/components/schemas/Amount" } } }
        markup_amount: { $ref: "#/components/schemas/Amount" }
        goods_export_amount: { $ref: "#/components/schemas/Amount" }
        amount_to_pay: { $ref: "#/components/schemas/Amount" }
        pay_deadline: { type: string, format: date }
        paragon_block_number: { type: string }
        tax_period: { type: string, example: "11/2026" }
        bank_account: { type: string }
        note: { type: string, maxLength: 200 }
    Result:
      type: object
      required: [status, warnings]
      properties:
        status: { type: string, enum: [fiscalized, deferred, rejected] }
        reference: { type: string }
        invoice_number: { type: string, example: "xx123xx123/1/2026/si747we972" }
        ordinal: { type: integer }
        iic: { type: string }
        iic_signature: { type: string }
        fic: { type: string, description: "FIC (invoices), FCDC (deposits); absent until fiscalized" }
        issued_at: { type: string }
        fiscalized_at: { type: string }
        qr_url: { type: string }
        deliver_by: { type: string, description: "For deferred documents, the 48-hour deadline" }
        warnings: { type: array, items: { type: string } }
        error:
          type: object
          properties:
            code: { type: string, description: "invalid_input, reference_conflict, authority_rejected, initial_deposit_missing, …" }
            message: { type: string }
            field: { type: string }
            authority_code: { type: integer }
            issues: { type: array, items: { type: object, properties: { code: { type: string }, field: { type: string }, message: { type: string } } } }
    Status:
      type: object
      properties:
        environment: { type: string }
        endpoint: { type: string }
        tin: { type: string }
        business_unit: { type: string }
        tcr_code: { type: string }
        certificate_subject: { type: string }
        certificate_expires: { type: string }
        certificate_days_left: { type: integer }
        license_expires: { type: string }
        license_environments: { type: array, items: { type: string } }
        pending_count: { type: integer }
        oldest_pending_deadline: { type: string }
        overdue_count: { type: integer }
        last_contact: { type: string }
        next_ordinal: { type: integer }
        initial_deposit_today: { type: boolean }
        warnings: { type: array, items: { type: string } }

"""#
}
