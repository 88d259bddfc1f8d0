//go:build nokubectl

package main

// kubectlMain: built with -tags nokubectl, glcd does not carry kubectl (about 11 MB smaller).
func kubectlMain(string) (int, bool) { return 0, false }
