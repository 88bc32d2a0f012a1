package meter

import "loopbench/harness/results"

// energy is the CPU packages' energy over the window, from their RAPL
// counters read at its ends, or nil where the host does not expose them
// (or they changed between the readings). It is read only with a server
// on this host: the counters are this host's.
func (m *Meter) energy() *results.Energy {
	if m.energyErr != nil || m.energy0 == nil || m.energy1 == nil {
		return nil
	}
	j, err := m.energy1.Joules(m.energy0)
	if err != nil {
		return nil
	}
	e := &results.Energy{Joules: j}
	for _, z := range m.energy1 {
		e.Zones = append(e.Zones, z.Name)
	}
	return e
}
