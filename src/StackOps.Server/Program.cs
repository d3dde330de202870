var app = StackOps.Server.ServerApp.Build(args); app.Run();
