package httpcheck

import "slices"

// Known is a disagreement with net/http that is allowed: for requests of
// Kind, a model (any, or one of Models) answering Ours where net/http
// answers Ref, with the section of RFC 9112 (or RFC 9110) that allows the
// model's answer, and why the model answers so.
type Known struct {
	Kind string `json:"kind"`
	// Models are the models it applies to; none: any model.
	Models []string `json:"models,omitempty"`
	// Ours and Ref are outcomes as Outcome.String writes them; an empty
	// one matches any.
	Ours    string `json:"ours"`
	Ref     string `json:"net_http"`
	Section string `json:"section"`
	Why     string `json:"why"`
}

// matches reports whether k allows a model's outcome got where net/http's
// is ref, for a request of kind.
func (k *Known) matches(modelName, kind string, got, ref Outcome) bool {
	return k.Kind == kind && (len(k.Models) == 0 || slices.Contains(k.Models, modelName)) &&
		(k.Ours == "" || k.Ours == got.String()) && (k.Ref == "" || k.Ref == ref.String())
}

// justify returns the Known that allows a disagreement, or nil.
func justify(modelName, kind string, got, ref Outcome) *Known {
	for i := range known {
		if known[i].matches(modelName, kind, got, ref) {
			return &known[i]
		}
	}
	return nil
}

// known are the disagreements with net/http that are justified.
var known = []Known{}
