/// Reference JSON bodies as the reference migrator and console send them (LOOM-BEHAVIOR.md §4).
enum ReferenceBodies {
    static let announce = """
        {"id":"app-chart-migration","name":"App chart migration","description":"Move apps to the shared chart",
         "requiredInputs":[{"name":"repoName","label":"Repository"}],"candidates":[],
         "steps":[{"name":"disable-base-resource-prune","migratorApp":"app-chart-migrator","type":"disable-base-resource-prune"},
                  {"name":"verify-ecr-publish","migratorApp":"app-chart-migrator","type":"manual-review",
                   "config":{"instructions":"Check ECR"}},
                  {"name":"swap-chart-dev","migratorApp":"app-chart-migrator","type":"swap-chart","config":{"env":"dev"},
                   "description":"Swap the chart in dev"}],
         "migratorUrl":"http://app-chart-migrator:3001"}
        """

    static let candidates = """
        {"candidates":[{"id":"billing-api","kind":"application","metadata":{"repoName":"billing-api"},
          "files":[{"name":"dev","repo":"gitops","files":[{"path":"src/team/sys/dev/app.yaml",
            "url":"https://github.com/acme/gitops/blob/main/src/team/sys/dev/app.yaml"}]}]},
          {"id":"ledger","kind":"application","status":"running"}]}
        """

    /// Every event shape the reference migrator and console send (§4.5).
    static let events: [(name: String, body: String)] = [
        ("PR opened", #"{"stepName":"swap-chart-dev","candidateId":"billing-api","success":true,"phase":"open","metadata":{"prUrl":"https://github.com/acme/gitops/pull/7"}}"#),
        ("manual review", #"{"stepName":"verify-ecr-publish","candidateId":"billing-api","success":true,"phase":"awaiting_review","metadata":{"instructions":"Check ECR"}}"#),
        ("handler failure", #"{"stepName":"swap-chart-dev","candidateId":"billing-api","success":false}"#),
        ("PR merged webhook", #"{"stepName":"swap-chart-dev","candidateId":"billing-api","success":true,"metadata":{"phase":"merged","prUrl":"https://github.com/acme/gitops/pull/7","commitSha":"abc123"}}"#),
        ("console approve", #"{"stepName":"verify-ecr-publish","candidateId":"billing-api","success":true}"#),
        ("console reject", #"{"stepName":"verify-ecr-publish","candidateId":"billing-api","success":false}"#),
        ("explicit merged phase", #"{"stepName":"swap-chart-dev","candidateId":"billing-api","success":true,"phase":"merged"}"#),
    ]
}
