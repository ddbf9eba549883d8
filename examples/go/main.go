// Command digitize prints the leads ecgdig finds on an ECG page.
// Usage: go run . PAGE.png
package main

import (
	"fmt"
	"math"
	"os"

	"ecgdig.example/digitize/ecgdig"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: digitize PAGE")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(path string) error {
	p, err := ecgdig.NewPipeline(ecgdig.Options{})
	if err != nil {
		return err
	}
	defer p.Close()
	page, err := p.DigitizeFile(path)
	if err != nil {
		return err
	}
	defer page.Close()
	layout, err := page.Layout()
	if err != nil {
		return err
	}
	leads, err := page.Leads()
	if err != nil {
		return err
	}
	fmt.Printf("ecgdig %s: %s, layout %s, %d leads\n", ecgdig.Version(), path, layout, len(leads))
	for _, lead := range leads {
		shown, lo, hi := 0, math.Inf(1), math.Inf(-1)
		for _, v := range lead.MV {
			if !math.IsNaN(float64(v)) {
				shown++
				lo, hi = math.Min(lo, float64(v)), math.Max(hi, float64(v))
			}
		}
		if shown == 0 {
			return fmt.Errorf("lead %s is not on the page", lead.Name)
		}
		fmt.Printf("%-4s %5d samples from %.2f s, %.2f to %.2f mV\n", lead.Name, shown, lead.StartS, lo, hi)
	}
	return nil
}
