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
        if let error {
            var shown: [String: Any] = ["message": error.message]
            if let field = error.field { shown["field"] = field }
            layout["error"] = shown
        }
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

    /// The one way the pages (and the messages they show) write a moment: Montenegrin local time
    /// with its zone, `2026-11-21 10:15 CET` (`CEST` in summer); `none` when there is no moment.
    static func display(_ date: Date?, none: String = "—") -> String {
        guard let date else { return none }
        let stamp = FiscalTimestamp(date).text  // 2026-11-21T10:15:00+01:00
        return stamp.prefix(10) + " " + stamp.dropFirst(11).prefix(5) + (stamp.hasSuffix("+02:00") ? " CEST" : " CET")
    }
}
