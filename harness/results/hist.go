package results

import (
	"fmt"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram bounds shared by every producer, so histograms merge exactly:
// 1 µs to 120 s at 3 significant digits.
const (
	HistMin    = 1
	HistMax    = 120_000_000
	HistDigits = 3
)

// NewHistogram returns an empty latency histogram in microseconds with the
// shared bounds.
func NewHistogram() *hdr.Histogram { return hdr.New(HistMin, HistMax, HistDigits) }

// EncodeHistogram returns h in HdrHistogram's compressed base64 form.
func EncodeHistogram(h *hdr.Histogram) (string, error) {
	b, err := h.Encode(hdr.V2CompressedEncodingCookieBase)
	if err != nil {
		return "", fmt.Errorf("encoding histogram: %w", err)
	}
	return string(b), nil
}

// DecodeHistogram reverses EncodeHistogram.
func DecodeHistogram(s string) (*hdr.Histogram, error) {
	h, err := hdr.Decode([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("decoding histogram: %w", err)
	}
	return h, nil
}

// Summarize fills a Latency from a histogram, including its encoded form.
func Summarize(h *hdr.Histogram) (Latency, error) {
	enc, err := EncodeHistogram(h)
	if err != nil {
		return Latency{}, err
	}
	return Latency{
		Count:     h.TotalCount(),
		Mean:      h.Mean(),
		P50:       float64(h.ValueAtQuantile(50)),
		P90:       float64(h.ValueAtQuantile(90)),
		P99:       float64(h.ValueAtQuantile(99)),
		P999:      float64(h.ValueAtQuantile(99.9)),
		Max:       float64(h.Max()),
		Histogram: enc,
	}, nil
}
