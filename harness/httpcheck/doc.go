// Package httpcheck checks the server models against HTTP/1.1 as others
// read it, not as the shared parser (app/) does: every check takes a
// server's address and sends it raw bytes.
//
//   - Fragmentation (fragment.go): every route's request delivered in
//     1-byte writes, in random segments, with the head split inside a
//     CRLF, and 16 pipelined requests split at random points; the answers
//     must be byte-identical to the unfragmented ones (Date aside).
//   - Differential (differential.go): a corpus of valid, odd and malformed
//     requests (corpus.go, made by generate.go and committed under
//     testdata) sent to a model and to references, Go's net/http server
//     serving the same routes (reference.go) and node; each answer is
//     reduced to its status class and what became of the connection
//     (Outcome), and every disagreement with net/http is either justified
//     in known.go, with the section of RFC 9112 that allows our answer,
//     or a failure.
//
// `loopbench torture` runs both against every model; the package's own
// tests run the seed corpus and a short fragmentation pass in `make test`.
package httpcheck
