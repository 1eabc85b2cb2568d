import FiscalCore
import Foundation
import Hummingbird
import Mustache
import NIOCore

/// Renders the web pages from the Mustache templates compiled into the binary (no files to
/// install, no JavaScript): each page's template inside `layout`.
struct WebPages: Sendable {
    let library: MustacheLibrary

    static let templates: [String: [UInt8]] = [
        "layout": PackageResources.layout_mustache, "signin": PackageResources.signin_mustache, "signup": PackageResources.signup_mustache,
        "dashboard": PackageResources.dashboard_mustache, "clients": PackageResources.clients_mustache, "client": PackageResources.client_mustache,
        "device": PackageResources.device_mustache, "audit": PackageResources.audit_mustache, "tokens": PackageResources.tokens_mustache,
        "message": PackageResources.message_mustache,
    ]

    init() throws {
        var library = MustacheLibrary()
        for (name, bytes) in Self.templates {
            try library.register(String(decoding: bytes, as: UTF8.self), named: name)
        }
        self.library = library
    }

    /// A page: `template` rendered with `values`, inside the layout.
    func page(_ template: String, title: String, values: [String: Any], session: AdminService.Session?, notice: String? = nil, error: AdminError? = nil,
              status: HTTPResponse.Status = .ok) -> Response {
        var values = values
        if let session {
            values["csrf"] = session.csrfToken
            values["principal"] = [
                "email": session.principal.email, "organizationName": session.principal.organizationName, "roleName": session.principal.role.rawValue,
            ]
        }
        let body = library.render(values, withTemplate: template) ?? ""
        var layout = values
        layout["title"] = title
        layout["body"] = body
        if let notice { layout["notice"] = notice }
        if let error { layout["error"] = ["message": error.message, "field": error.field as Any] }
        let html = library.render(layout, withTemplate: "layout") ?? ""
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// A page for an error that has no form to go back to.
    func errorPage(_ error: AdminError, status: HTTPResponse.Status) -> Response {
        let heading: String
        switch error.code {
        case .notFound: heading = "Not found"
        case .forbidden: heading = "Not allowed"
        case .unauthenticated: heading = "Please sign in"
        default: heading = "Something is wrong"
        }
        return page("message", title: heading, values: ["heading": heading, "text": error.message], session: nil, status: status)
    }

    /// A time as people in Montenegro read it: `2026-11-21 10:15`.
    static func display(_ date: Date?) -> String {
        guard let date else { return "" }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = FiscalTimestamp.montenegro
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0, parts.hour ?? 0, parts.minute ?? 0)
    }
}
