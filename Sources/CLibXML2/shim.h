#ifndef FISCAL_CLIBXML2_SHIM_H
#define FISCAL_CLIBXML2_SHIM_H
/* Debian's libxml2 is built with ICU; its headers then pull in the system ICU headers, which
   clash with the toolchain's private _FoundationICU module. Hiding the flag avoids the clash. */
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/c14n.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <libxml/xmlsave.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlerror.h>
#include <string.h>
#include <stdlib.h>

/* xmlFree is a global function-pointer variable, which Swift cannot call. */
static inline void shim_xmlFree(void *p) { xmlFree(p); }

/* ---- exclusive C14N of a subtree, optionally minus one excluded subtree ---- */
typedef struct { xmlNodePtr root; xmlNodePtr exclude; } shim_c14n_ctx;

/* libxml2 passes namespace nodes (xmlNs*) disguised as xmlNodePtr, so this must live in C. */
static inline int shim_c14n_is_visible(void *ud, xmlNodePtr node, xmlNodePtr parent) {
    shim_c14n_ctx *c = (shim_c14n_ctx *)ud;
    xmlNodePtr cur = (node->type == XML_NAMESPACE_DECL) ? parent : node;
    int in = (c->root == NULL);
    for (xmlNodePtr n = cur; n; n = n->parent) {
        if (c->exclude && n == c->exclude) return 0;
        if (n == c->root) in = 1;
        if (n->type == XML_DOCUMENT_NODE) break;
    }
    return in;
}

/* Canonicalizes `root` (NULL: the whole document) without `exclude`; *out is xmlMalloc'ed. */
static inline int shim_c14n_subtree(xmlDocPtr doc, xmlNodePtr root, xmlNodePtr exclude,
                                    int mode, int with_comments, xmlChar **out) {
    shim_c14n_ctx ctx = { root, exclude };
    xmlOutputBufferPtr buf = xmlAllocOutputBuffer(NULL);
    if (!buf) return -1;
    if (xmlC14NExecute(doc, shim_c14n_is_visible, &ctx, mode, NULL, with_comments, buf) < 0) {
        xmlOutputBufferClose(buf);
        return -1;
    }
    size_t n = xmlOutputBufferGetSize(buf);
    xmlChar *copy = (xmlChar *)xmlMalloc(n + 1);
    if (!copy) { xmlOutputBufferClose(buf); return -1; }
    memcpy(copy, xmlOutputBufferGetContent(buf), n);
    copy[n] = 0;
    xmlOutputBufferClose(buf);
    *out = copy;
    return (int)n;
}

/* ---- error collection: structured errors appended to a growing text buffer ---- */
typedef struct { char *text; size_t length; int count; } shim_errors;

/* libxml2 2.12 made the structured error argument const. */
#if LIBXML_VERSION >= 21200
static inline void shim_collect_error(void *ud, const xmlError *error) {
#else
static inline void shim_collect_error(void *ud, xmlErrorPtr error) {
#endif
    shim_errors *e = (shim_errors *)ud;
    if (!e || !error || !error->message) return;
    if (e->count >= 50) return;
    e->count += 1;
    size_t mlen = strlen(error->message);
    char prefix[32];
    int plen = snprintf(prefix, sizeof prefix, "line %d: ", error->line);
    if (plen < 0) plen = 0;
    char *grown = (char *)realloc(e->text, e->length + (size_t)plen + mlen + 2);
    if (!grown) return;
    e->text = grown;
    memcpy(e->text + e->length, prefix, (size_t)plen);
    e->length += (size_t)plen;
    memcpy(e->text + e->length, error->message, mlen);
    e->length += mlen;
    /* libxml2 messages end with a newline already; keep exactly one. */
    if (e->length == 0 || e->text[e->length - 1] != '\n') e->text[e->length++] = '\n';
    e->text[e->length] = 0;
}
static inline void shim_errors_free(shim_errors *e) { free(e->text); e->text = NULL; e->length = 0; e->count = 0; }

static inline int shim_schema_validate(xmlSchemaPtr schema, xmlDocPtr doc, shim_errors *errors) {
    xmlSchemaValidCtxtPtr v = xmlSchemaNewValidCtxt(schema);
    if (!v) return -1;
    xmlSchemaSetValidStructuredErrors(v, shim_collect_error, errors);
    int rc = xmlSchemaValidateDoc(v, doc);
    xmlSchemaFreeValidCtxt(v);
    return rc;
}

/* ---- schema loading without any file or network access ----
   The EFI schema imports "xmldsig-core-schema.xsd"; this loader serves that one document from
   memory and refuses every other external resource. */
static char *shim_dsig_schema_text = NULL;
static inline xmlParserInputPtr shim_offline_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt) {
    (void)id;
    if (url && shim_dsig_schema_text && strstr(url, "xmldsig-core-schema.xsd"))
        return xmlNewStringInputStream(ctxt, (const xmlChar *)shim_dsig_schema_text);
    return NULL;
}

static inline xmlSchemaPtr shim_schema_from_memory(const char *main_schema, int main_length,
                                                   const char *dsig_schema, shim_errors *errors) {
    if (!shim_dsig_schema_text) shim_dsig_schema_text = strdup(dsig_schema);
    xmlExternalEntityLoader previous = xmlGetExternalEntityLoader();
    xmlSetExternalEntityLoader(shim_offline_loader);
    xmlSchemaParserCtxtPtr p = xmlSchemaNewMemParserCtxt(main_schema, main_length);
    xmlSchemaPtr schema = NULL;
    if (p) {
        xmlSchemaSetParserStructuredErrors(p, shim_collect_error, errors);
        schema = xmlSchemaParse(p);
        xmlSchemaFreeParserCtxt(p);
    }
    xmlSetExternalEntityLoader(previous);
    return schema;
}

/* Parses a document with network access off and errors collected instead of printed. */
static inline xmlDocPtr shim_parse(const char *bytes, int length, shim_errors *errors) {
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) return NULL;
    xmlSetStructuredErrorFunc(errors, shim_collect_error);
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, bytes, length, "message.xml", "UTF-8",
                                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlSetStructuredErrorFunc(NULL, NULL);
    xmlFreeParserCtxt(ctxt);
    return doc;
}
#endif
