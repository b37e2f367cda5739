import PolicyOpsCLI

PolicyOpsMain.main()
