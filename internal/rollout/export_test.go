package rollout

// CollectLogs exposes collectLogs to the external tests, which drive it on the test bed.
var CollectLogs = collectLogs
